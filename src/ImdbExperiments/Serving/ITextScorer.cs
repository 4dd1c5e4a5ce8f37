using ImdbExperiments.Training;

namespace ImdbExperiments.Serving;

/// <summary>What the server scores with: one call per batch, from the one scoring thread only.</summary>
public interface ITextScorer
{
    /// <summary>Class names by id, the keys of each prediction's probabilities.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>One prediction per text, in the order of <paramref name="texts"/>.</summary>
    IReadOnlyList<SentimentPrediction> Score(IReadOnlyList<string> texts, CancellationToken cancellationToken);
}
