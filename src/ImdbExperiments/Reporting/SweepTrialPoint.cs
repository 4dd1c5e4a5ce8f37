using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>One trial as the sweep charts draw it: its swept values (value texts), its metric, and how it ended.</summary>
/// <param name="Order">Its place in the sweep, from 0: the trial index where tagged, else start order.</param>
/// <param name="Completed">Trained to the end (MLflow FINISHED, not pruned): only these count for the best-so-far curve.</param>
/// <param name="Color">CSS color, the run's color in the report.</param>
internal sealed record SweepTrialPoint(string Name, int Order, IReadOnlyDictionary<string, string> Values, double Metric, bool Completed, bool Pruned, bool IsBest, string Color)
{
    /// <summary>The trials worth a point: every non-failed run with a finite value of the metric, in sweep order.</summary>
    public static IReadOnlyList<SweepTrialPoint> From(IReadOnlyList<RunRecord> runs, string metric, string? bestRunId, Func<RunRecord, string> colorOf)
    {
        var byStart = runs.OrderBy(r => r.SweepTrialIndex ?? int.MaxValue).ThenBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
        return [.. byStart
            .Select((run, i) => (Run: run, Order: run.SweepTrialIndex ?? i))
            .Where(x => x.Run.Status != RunStatus.Failed && x.Run.Metrics.TryGetValue(metric, out var v) && double.IsFinite(v))
            .Select(x => new SweepTrialPoint(
                x.Run.Name, x.Order, x.Run.Params, x.Run.Metrics[metric],
                x.Run.Status == RunStatus.Finished && !x.Run.IsPruned, x.Run.IsPruned || x.Run.Status == RunStatus.Killed,
                x.Run.RunId == bestRunId, colorOf(x.Run)))];
    }
}
