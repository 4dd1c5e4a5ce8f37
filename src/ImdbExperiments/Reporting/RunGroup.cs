namespace ImdbExperiments.Reporting;

/// <summary>The runs of a <see cref="RunGroupTable"/> that share one value of its key.</summary>
/// <param name="Value">The param's value text, or null for the runs that do not have the param.</param>
/// <param name="Runs">How many runs the group has.</param>
/// <param name="Metrics">One per <see cref="RunGroupTable.MetricColumns"/>; null where no run of the group has that metric.</param>
public sealed record RunGroup(string? Value, int Runs, IReadOnlyList<GroupedMetric?> Metrics);
