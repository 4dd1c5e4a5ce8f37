namespace ImdbExperiments.Specs;

/// <summary>Early stopping of sweep trials.</summary>
public sealed record SweepEarlyStoppingSpec
{
    [SpecKey("type"), SpecDoc("median: stop a trial whose metric is below the median of earlier trials at the same evaluation; asha: successive halving, a trial goes on past a rung only in the top 1/reduction_factor there; hyperband: brackets of asha with different first rungs.")]
    public EarlyStoppingRule Type { get; init; } = EarlyStoppingRule.Median;

    [SpecKey("min_evaluations"), SpecRange(Min = 1), SpecDoc("median: evaluations a trial runs before it can be stopped.")]
    public int MinEvaluations { get; init; } = 3;

    [SpecKey("reduction_factor"), SpecRange(Min = 2, Max = 100), SpecDoc("asha, hyperband: eta; rung r is at min_resource * eta^(min_early_stopping_rate + r) evaluations.")]
    public int ReductionFactor { get; init; } = 3;

    [SpecKey("min_resource"), SpecRange(Min = 1, Max = 1000000), SpecDoc("asha, hyperband: evaluations at the first rung.")]
    public int MinResource { get; init; } = 1;

    [SpecKey("min_early_stopping_rate"), SpecRange(Min = 0, Max = 30), SpecDoc("asha: rungs skipped before the first one.")]
    public int MinEarlyStoppingRate { get; init; }

    [SpecKey("max_resource"), SpecRange(Min = 1, Max = 1000000), SpecDoc("hyperband: evaluations of a full trial; null = those of the first trial that completes.")]
    public int? MaxResource { get; init; }
}
