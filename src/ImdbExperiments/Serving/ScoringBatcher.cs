using ImdbExperiments.Training;

namespace ImdbExperiments.Serving;

/// <summary>
/// Dynamic batching: requests that arrive within <see cref="ServingOptions.MaxWait"/> of the first are scored together
/// as one batch of at most <see cref="ServingOptions.MaxBatch"/> texts, on one thread that owns the model. The queue is
/// bounded: a request beyond <see cref="ServingOptions.MaxQueue"/> is refused (503), never buffered.
/// </summary>
public sealed class ScoringBatcher : IDisposable
{
    private readonly ITextScorer _scorer;
    private readonly ServingOptions _options;
    private readonly object _gate = new();
    private readonly Queue<Pending> _queue = new();
    private readonly Thread _thread;
    private int _queuedTexts;
    private int _batches;
    private bool _closed;

    public ScoringBatcher(ITextScorer scorer, ServingOptions options)
    {
        _scorer = scorer;
        _options = options;
        _thread = new Thread(Loop) { IsBackground = true, Name = "imdbx scoring" };
        _thread.Start();
    }

    /// <summary>Requests waiting for the scoring thread (not counting the batch being scored).</summary>
    public int QueuedRequests
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>Batches scored so far.</summary>
    public int Batches => Volatile.Read(ref _batches);

    /// <summary>The predictions of <paramref name="texts"/> in their order, scored with whatever else is waiting.</summary>
    public Task<IReadOnlyList<SentimentPrediction>> ScoreAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        var pending = new Pending(texts, cancellationToken);
        lock (_gate)
        {
            if (_closed) throw new ScoringException(503, "TEMPORARILY_UNAVAILABLE", "The server is shutting down.");
            if (_queue.Count >= _options.MaxQueue)
                throw new ScoringException(503, "TEMPORARILY_UNAVAILABLE", $"The scoring queue is full ({_options.MaxQueue} requests waiting, --max-queue); retry later.");
            _queue.Enqueue(pending);
            _queuedTexts += texts.Count;
            Monitor.PulseAll(_gate);
        }
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Accepts no more requests; those queued are still scored, then the thread ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _closed = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        Complete();
        _thread.Join();
    }

    private void Loop()
    {
        while (Take() is { } batch)
            Score(batch);
    }

    /// <summary>Waits for a first request, then up to MaxWait for the batch to fill; null once closed and drained.</summary>
    private List<Pending>? Take()
    {
        lock (_gate)
        {
            while (_queue.Count == 0 && !_closed)
                Monitor.Wait(_gate);
            if (_queue.Count == 0)
                return null;
            var deadline = DateTime.UtcNow + _options.MaxWait;
            while (!_closed && _queuedTexts < _options.MaxBatch && deadline - DateTime.UtcNow is { Ticks: > 0 } left)
                Monitor.Wait(_gate, left);

            var batch = new List<Pending>();
            var texts = 0;
            // Whole requests in arrival order; a request larger than MaxBatch goes alone (the scorer splits its passes).
            while (_queue.TryPeek(out var next) && (batch.Count == 0 || texts + next.Texts.Count <= _options.MaxBatch))
            {
                _queue.Dequeue();
                _queuedTexts -= next.Texts.Count;
                if (next.CancellationToken.IsCancellationRequested)
                {
                    next.Completion.TrySetCanceled(next.CancellationToken);
                    continue;
                }
                batch.Add(next);
                texts += next.Texts.Count;
            }
            return batch;
        }
    }

    private void Score(List<Pending> batch)
    {
        if (batch.Count == 0)
            return;
        var texts = batch.Count == 1 ? batch[0].Texts : batch.SelectMany(p => p.Texts).ToList();
        IReadOnlyList<SentimentPrediction> predictions;
        try
        {
            predictions = _scorer.Score(texts, CancellationToken.None);
            if (predictions.Count != texts.Count)
                throw new InvalidOperationException($"The scorer returned {predictions.Count} predictions for {texts.Count} texts.");
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
                pending.Completion.TrySetException(e);
            return;
        }
        Interlocked.Increment(ref _batches);
        var offset = 0;
        foreach (var pending in batch)
        {
            var count = pending.Texts.Count;
            pending.Completion.TrySetResult(batch.Count == 1 ? predictions : predictions.Skip(offset).Take(count).ToArray());
            offset += count;
        }
    }

    private sealed class Pending(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        public IReadOnlyList<string> Texts { get; } = texts;
        public CancellationToken CancellationToken { get; } = cancellationToken;

        // Continuations off the scoring thread: it must go straight back to scoring.
        public TaskCompletionSource<IReadOnlyList<SentimentPrediction>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
