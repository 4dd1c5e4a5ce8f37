namespace ImdbExperiments.Specs;

/// <summary>Early stopping of sweep trials.</summary>
public sealed record SweepEarlyStoppingSpec
{
    [SpecKey("type"), SpecDoc("median: stop a trial whose metric is below the median of earlier trials at the same evaluation.")]
    public EarlyStoppingRule Type { get; init; } = EarlyStoppingRule.Median;

    [SpecKey("min_evaluations"), SpecRange(Min = 1), SpecDoc("Evaluations a trial runs before it can be stopped.")]
    public int MinEvaluations { get; init; } = 3;
}
