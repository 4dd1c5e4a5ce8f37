using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The trials of a sweep, best first: completed trials by the metric (goal-aware, ties by trial index), then
/// early-stopped trials by the metric, then trials without a metric (failed ones included), by index.
/// </summary>
public sealed record SweepSummary(string Metric, SweepGoal Goal, IReadOnlyList<SweepTrialOutcome> Trials)
{
    public SweepTrialOutcome? Best => Trials.FirstOrDefault(t => t.IsBest);

    /// <summary>How much of the metric's spread over the completed trials each swept key explains (<see cref="ParameterImportance"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> ParameterImportances() => ParameterImportance.Compute(
        [.. Trials.Where(t => t.Result.Status == TrialStatus.Completed && t.MetricValue is not null).Select(t => (t.Trial.Overrides, t.MetricValue!.Value))]);

    /// <summary>Ranks the outcomes and marks the best completed trial.</summary>
    public static SweepSummary Create(string metric, SweepGoal goal, IEnumerable<(SweepTrial Trial, TrialResult Result, bool Reused)> outcomes)
    {
        var rows = outcomes.Select(o => (o.Trial, o.Result, o.Reused, Value: MetricOf(o.Result, metric))).ToList();
        var sign = goal == SweepGoal.Maximize ? -1.0 : 1.0;
        var sorted = rows
            .OrderBy(r => r.Value is null ? 2 : r.Result.Status == TrialStatus.Completed ? 0 : 1)
            .ThenBy(r => r.Value is { } v ? sign * v : 0)
            .ThenBy(r => r.Trial.Index)
            .ToList();
        var best = sorted.FirstOrDefault(r => r.Value is not null && r.Result.Status == TrialStatus.Completed).Trial;
        return new SweepSummary(metric, goal, [.. sorted.Select(r => new SweepTrialOutcome(r.Trial, r.Result, r.Reused, r.Value, best is not null && r.Trial == best))]);
    }

    internal static double? MetricOf(TrialResult result, string metric) =>
        result.Status != TrialStatus.Failed && result.Metrics.TryGetValue(metric, out var value) && !double.IsNaN(value) ? value : null;
}
