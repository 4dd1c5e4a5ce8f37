using static ImdbExperiments.Tracking.MlflowJson;

namespace ImdbExperiments.Tracking;

/// <summary>
/// How a log-batch is cut for MLflow (mlflow/utils/validation.py: at most 1000 metrics, 100 params, 100 tags and 1000
/// entities per request, under 1e6 bytes) and how one entity MLflow refuses is isolated so that the rest is still
/// logged. Pure but for the send it is given, so it is testable without HTTP.
/// </summary>
internal static class MlflowBatches
{
    // Room for the envelope ({"run_id": ..., "metrics": [...]}) under MLflow's 1e6-byte request limit.
    public const int ChunkByteBudget = MlflowLimits.MaxBatchRequestBytes - 10_000;

    /// <summary>
    /// Logs what MLflow's limits allow through <paramref name="send"/>, chunk by chunk; returns what was refused, either
    /// before sending (<see cref="MlflowLimits.Partition"/>) or by the server, one entity at a time.
    /// </summary>
    public static async Task<IReadOnlyList<RejectedEntity>> LogAsync(IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags,
        Func<LogBatchChunk, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var (goodMetrics, goodParams, goodTags, rejected) = MlflowLimits.Partition(metrics, parameters, tags);
        foreach (var chunk in Chunk(goodMetrics, goodParams, goodTags))
            await SendIsolatingRejectsAsync(chunk, send, rejected, cancellationToken);
        return rejected;
    }

    internal sealed record LogBatchChunk(List<Metric> Metrics, List<Param> Parameters, List<RunTag> Tags)
    {
        public int Count => Metrics.Count + Parameters.Count + Tags.Count;

        public (LogBatchChunk First, LogBatchChunk Second) Halve()
        {
            var all = Parameters.Cast<object>().Concat(Metrics).Concat(Tags).ToList();
            var half = all.Count / 2;
            return (FromEntities(all.Take(half)), FromEntities(all.Skip(half)));
        }

        public RejectedEntity Reject(string reason) =>
            Parameters.Count == 1 ? new("param", Parameters[0].Key, reason)
            : Metrics.Count == 1 ? new("metric", Metrics[0].Key, reason)
            : new("tag", Tags[0].Key, reason);

        private static LogBatchChunk FromEntities(IEnumerable<object> entities)
        {
            var list = entities.ToList();
            return new(list.OfType<Metric>().ToList(), list.OfType<Param>().ToList(), list.OfType<RunTag>().ToList());
        }
    }

    /// <summary>Params first, then metrics, then tags, each request within MLflow's count and size limits.</summary>
    internal static List<LogBatchChunk> Chunk(IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags)
    {
        var chunks = new List<LogBatchChunk>();
        var current = new LogBatchChunk([], [], []);
        var bytes = 0;
        void Add(int size, Func<LogBatchChunk, bool> fits, Action<LogBatchChunk> add)
        {
            if (current.Count > 0 && (!fits(current) || current.Count >= MlflowLimits.MaxEntitiesPerBatch || bytes + size > ChunkByteBudget))
            {
                chunks.Add(current);
                current = new LogBatchChunk([], [], []);
                bytes = 0;
            }
            add(current);
            bytes += size;
        }
        foreach (var param in parameters)
            Add(EntitySize(param.Key, param.Value), chunk => chunk.Parameters.Count < MlflowLimits.MaxParamsPerBatch, chunk => chunk.Parameters.Add(param));
        foreach (var metric in metrics)
            Add(EntitySize(metric.Key, "") + 64, chunk => chunk.Metrics.Count < MlflowLimits.MaxMetricsPerBatch, chunk => chunk.Metrics.Add(metric));
        foreach (var tag in tags)
            Add(EntitySize(tag.Key, tag.Value), chunk => chunk.Tags.Count < MlflowLimits.MaxTagsPerBatch, chunk => chunk.Tags.Add(tag));
        if (current.Count > 0)
            chunks.Add(current);
        return chunks;
    }

    /// <summary>The bytes one key/value entity takes in a request body, with its separating comma.</summary>
    internal static int EntitySize(string key, string value) =>
        Json(writer => WriteKeyValueFields(writer, key, value)).Length + 1;

    // A chunk MLflow refuses as a whole for one bad entity is split until the bad one is alone; the rest is logged.
    internal static async Task SendIsolatingRejectsAsync(LogBatchChunk chunk, Func<LogBatchChunk, CancellationToken, Task> send, List<RejectedEntity> rejected, CancellationToken cancellationToken)
    {
        try
        {
            await send(chunk, cancellationToken);
        }
        catch (TrackingException exception) when (!exception.IsTransient && (exception.IsParamConflict || exception.ErrorCode == "INVALID_PARAMETER_VALUE"))
        {
            if (chunk.Count == 1)
            {
                rejected.Add(chunk.Reject(exception.Message));
                return;
            }
            var (first, second) = chunk.Halve();
            await SendIsolatingRejectsAsync(first, send, rejected, cancellationToken);
            await SendIsolatingRejectsAsync(second, send, rejected, cancellationToken);
        }
    }
}
