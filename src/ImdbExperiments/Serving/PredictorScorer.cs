using ImdbExperiments.Training;

namespace ImdbExperiments.Serving;

/// <summary>A loaded <see cref="SentimentPredictor"/> as the server's scorer: one length-sorted, padded pass per batch.</summary>
public sealed class PredictorScorer(SentimentPredictor predictor) : ITextScorer
{
    public IReadOnlyList<string> Labels => predictor.Labels;

    public IReadOnlyList<SentimentPrediction> Score(IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        predictor.Predict(texts, cancellationToken: cancellationToken);
}
