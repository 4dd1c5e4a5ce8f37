namespace ImdbExperiments.Sweeps;

/// <summary>One row of a sweep's result.</summary>
/// <param name="Reused">True when the trial had finished before (a cache hit) and was not run again.</param>
/// <param name="MetricValue">The sweep metric from <see cref="TrialResult.Metrics"/>; null when missing or NaN.</param>
/// <param name="IsBest">The best completed trial by the sweep's metric and goal (ties: the earlier trial).</param>
public sealed record SweepTrialOutcome(SweepTrial Trial, TrialResult Result, bool Reused, double? MetricValue, bool IsBest);
