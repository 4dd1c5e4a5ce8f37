namespace ImdbExperiments.Tracking;

/// <summary>What a run holds, as MLflow's runs/search returns it: params, tags and each metric's latest point (not its history).</summary>
public sealed record RunData(IReadOnlyList<Param> Params, IReadOnlyList<RunTag> Tags, IReadOnlyList<Metric> LatestMetrics);
