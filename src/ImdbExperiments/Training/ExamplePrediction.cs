namespace ImdbExperiments.Training;

/// <summary>A model's verdict on one example of a token file.</summary>
/// <param name="Id">the example id ("test/pos/123_8")</param>
/// <param name="Label">the true label (0 negative, 1 positive)</param>
/// <param name="Predicted">argmax of the logits</param>
/// <param name="Probability">softmax probability of the positive class (1)</param>
public sealed record ExamplePrediction(string Id, int Label, int Predicted, double Probability);
