using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>
/// One metric of one run over its whole history: the best point (goal-aware), the last (MLflow's latest: largest step,
/// then timestamp, then value), the smallest and the largest, and how many points were logged.
/// </summary>
public sealed record MetricStats(double Best, double Last, double Min, double Max, int Points)
{
    /// <summary>The run's stats of <paramref name="metric"/>, NaN points left out of best, min and max; null when the run has no such metric.</summary>
    public static MetricStats? Of(RunRecord run, string metric, SweepGoal goal)
    {
        var history = run.MetricHistories.TryGetValue(metric, out var points) ? points.Select(p => p.Value).ToList() : [];
        double? last = run.Metrics.TryGetValue(metric, out var latest) ? latest : history.Count > 0 ? history[^1] : null;
        if (last is null)
        {
            return null;
        }

        // A store read without histories still has the latest value: its stats are that one point.
        var values = history.Count > 0 ? history : [last.Value];
        var finite = values.Where(v => !double.IsNaN(v)).ToList();
        if (finite.Count == 0)
        {
            return new MetricStats(double.NaN, last.Value, double.NaN, double.NaN, values.Count);
        }

        var (min, max) = (finite.Min(), finite.Max());
        return new MetricStats(goal == SweepGoal.Maximize ? max : min, last.Value, min, max, values.Count);
    }

    /// <summary>
    /// Which way a metric is better: the sort metric's goal for the sort metric; otherwise lower for losses and errors (a
    /// name whose last part holds "loss" or "error"), higher for everything else (accuracy, f1, roc_auc, ...).
    /// </summary>
    public static SweepGoal GoalOf(string metric, string? sortMetric, SweepGoal sortGoal)
    {
        if (metric == sortMetric)
        {
            return sortGoal;
        }

        var name = metric[(metric.LastIndexOf('/') + 1)..];
        return name.Contains("loss", StringComparison.OrdinalIgnoreCase) || name.Contains("error", StringComparison.OrdinalIgnoreCase)
            ? SweepGoal.Minimize
            : SweepGoal.Maximize;
    }

    /// <summary>True when the history says more than its last value: more than one point and not all the same.</summary>
    public bool Varies => Points > 1 && Min != Max;
}
