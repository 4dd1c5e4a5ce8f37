namespace ImdbExperiments.Training;

/// <summary>A model's verdict on one example of a token file.</summary>
/// <param name="Id">the example id ("test/pos/123_8")</param>
/// <param name="Label">the true class id (0 negative, 1 positive for sentiment)</param>
/// <param name="Predicted">argmax of the logits</param>
/// <param name="Probability">two classes: softmax probability of the positive class (1); more: that of the predicted class (the score)</param>
public sealed record ExamplePrediction(string Id, int Label, int Predicted, double Probability)
{
    /// <summary>More than two classes: softmax probability of each class, by class id; empty for two.</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [];

    // Value equality, probabilities included (a record would compare the list by reference).
    public bool Equals(ExamplePrediction? other) =>
        other is not null && Id == other.Id && Label == other.Label && Predicted == other.Predicted && Probability.Equals(other.Probability)
        && Probabilities.SequenceEqual(other.Probabilities);

    public override int GetHashCode() => HashCode.Combine(Id, Label, Predicted, Probability, Probabilities.Count);
}
