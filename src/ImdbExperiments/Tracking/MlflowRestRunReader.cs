using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tracking;

/// <summary>
/// Reads the runs of one experiment from an MLflow server through <see cref="MlflowRestClient"/>: the experiment by name,
/// its active runs (every page, each with params, tags and latest metrics), then every metric's history.
/// </summary>
internal static class MlflowRestRunReader
{
    public static async Task<IReadOnlyList<RunRecord>> ReadAsync(MlflowRestClient client, string experimentName, CancellationToken cancellationToken)
    {
        var experimentId = await client.GetExperimentIdByNameAsync(experimentName, cancellationToken)
            ?? throw new TrackingException($"The MLflow server {client.DisplayUri} has no experiment named '{experimentName}'.", "RESOURCE_DOES_NOT_EXIST", 404);

        var runs = new List<RunRecord>();
        foreach (var run in await client.SearchAllRunsAsync([experimentId], cancellationToken: cancellationToken))
        {
            var record = ToRecord(run, experimentId);
            var histories = new Dictionary<string, IReadOnlyList<Metric>>(StringComparer.Ordinal);
            foreach (var key in record.Metrics.Keys)
            {
                histories[key] = RunHistories.Ordered(await client.GetMetricHistoryAsync(record.RunId, key, cancellationToken));
            }

            runs.Add(record with { MetricHistories = histories });
        }

        return [.. runs.OrderBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    private static RunRecord ToRecord(TrackedRun run, string experimentId)
    {
        var (info, data) = (run.Info, run.Data);
        var tags = Pairs(data.Tags.Select(t => (t.Key, t.Value)));
        return new RunRecord
        {
            RunId = info.RunId,
            ExperimentId = info.ExperimentId is { Length: > 0 } id ? id : experimentId,
            Name = info.RunName is { Length: > 0 } name ? name : tags.GetValueOrDefault(TrackingTags.RunName) ?? info.RunId,
            Status = info.Status,
            StartTime = DateTimeOffset.FromUnixTimeMilliseconds(info.StartTimeMs),
            EndTime = info.EndTimeMs is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
            Params = Pairs(data.Params.Select(p => (p.Key, p.Value))),
            Tags = tags,
            Metrics = data.LatestMetrics.GroupBy(m => m.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            ModelOutputs = run.ModelOutputs,
        };
    }

    // A key listed twice keeps its last value.
    private static Dictionary<string, string> Pairs(IEnumerable<(string Key, string Value)> pairs)
    {
        var dictionary = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            dictionary[key] = value;
        }

        return dictionary;
    }
}
