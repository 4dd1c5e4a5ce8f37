using ImdbExperiments.Tracking;
namespace ImdbExperiments.Reporting;

/// <summary>One run of a <see cref="ComparisonTable"/>, its cells already formatted.</summary>
/// <param name="Params">One text per <see cref="ComparisonTable.ParamColumns"/> ("" where the run has no such param).</param>
/// <param name="Metrics">One value per <see cref="ComparisonTable.MetricColumns"/> (null where the run has none).</param>
/// <param name="IsBest">The best run by the table's sort metric.</param>
public sealed record ComparisonRow(RunRecord Run, IReadOnlyList<string> Params, IReadOnlyList<double?> Metrics, bool IsBest)
{
    /// <summary>One per <see cref="ComparisonTable.MetricColumns"/>: best / last / min / max over the run's history (null where the run has none).</summary>
    public IReadOnlyList<MetricStats?> Stats { get; init; } = [];
}
