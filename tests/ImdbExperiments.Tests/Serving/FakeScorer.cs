using ImdbExperiments.Serving;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Serving;

/// <summary>
/// A scorer whose answer is a function of the text alone (POSITIVE with probability length/(length+1)), that records each
/// batch and can be held: while <see cref="Hold"/> is reset, a batch waits after signalling <see cref="Entered"/>.
/// </summary>
internal sealed class FakeScorer : ITextScorer, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<int> _batchSizes = [];

    public ManualResetEventSlim Hold { get; } = new(initialState: true);

    /// <summary>Released once per batch as it starts.</summary>
    public SemaphoreSlim Entered { get; } = new(0);

    public IReadOnlyList<string> Labels { get; } = ["NEGATIVE", "POSITIVE"];

    /// <summary>When set, every batch throws it (a model that fails, as libtorch can).</summary>
    public Exception? Failure { get; set; }

    public IReadOnlyList<int> BatchSizes
    {
        get { lock (_gate) return _batchSizes.ToArray(); }
    }

    public static SentimentPrediction Expected(string text)
    {
        var positive = text.Length / (text.Length + 1.0);
        return positive >= 0.5
            ? new SentimentPrediction("POSITIVE", positive, 1) { Probabilities = [1 - positive, positive] }
            : new SentimentPrediction("NEGATIVE", 1 - positive, 0) { Probabilities = [1 - positive, positive] };
    }

    public IReadOnlyList<SentimentPrediction> Score(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        lock (_gate) _batchSizes.Add(texts.Count);
        Entered.Release();
        Hold.Wait(cancellationToken);
        if (Failure is not null)
            throw Failure;
        return texts.Select(Expected).ToArray();
    }

    public void Dispose()
    {
        Hold.Set();
        Hold.Dispose();
        Entered.Dispose();
    }
}
