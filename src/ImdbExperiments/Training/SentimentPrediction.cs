namespace ImdbExperiments.Training;

/// <summary>What Hugging Face's sentiment pipeline returns for a text: the most probable label and its probability.</summary>
/// <param name="Label">id2label name of the predicted class ("POSITIVE")</param>
/// <param name="Score">softmax probability of that class</param>
/// <param name="LabelId">the predicted class id</param>
public sealed record SentimentPrediction(string Label, double Score, int LabelId)
{
    /// <summary>Softmax probability of each class, by class id (the scoring server's probabilities).</summary>
    public IReadOnlyList<double> Probabilities { get; init; } = [];

    // Value equality, probabilities included (a record would compare the list by reference).
    public bool Equals(SentimentPrediction? other) =>
        other is not null && Label == other.Label && Score.Equals(other.Score) && LabelId == other.LabelId && Probabilities.SequenceEqual(other.Probabilities);

    public override int GetHashCode() => HashCode.Combine(Label, Score, LabelId, Probabilities.Count);
}
