namespace ImdbExperiments.Tracking;

/// <summary>Metric-history rules shared by the readers.</summary>
internal static class RunHistories
{
    public static List<Metric> Ordered(IEnumerable<Metric> points) =>
        [.. points.OrderBy(p => p.Step).ThenBy(p => p.TimestampMs)];

    /// <summary>MLflow's latest value: the point with the largest (step, timestamp, value).</summary>
    public static IReadOnlyDictionary<string, double> Latest(IReadOnlyDictionary<string, IReadOnlyList<Metric>> histories) =>
        histories.Where(h => h.Value.Count > 0).ToDictionary(
            h => h.Key,
            h => h.Value.MaxBy(p => (p.Step, p.TimestampMs, double.IsNaN(p.Value) ? double.NegativeInfinity : p.Value))!.Value,
            StringComparer.Ordinal);
}
