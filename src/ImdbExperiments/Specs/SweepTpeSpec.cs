namespace ImdbExperiments.Specs;

/// <summary>Settings of the TPE sampler (sweep.method: tpe), with Optuna's names and its defaults.</summary>
public sealed record SweepTpeSpec
{
    [SpecKey("n_startup_trials"), SpecRange(Min = 1, Max = 10000), SpecDoc("Trials sampled at random before TPE takes over (Optuna's n_startup_trials).")]
    public int StartupTrials { get; init; } = 10;

    [SpecKey("n_ei_candidates"), SpecRange(Min = 1, Max = 10000), SpecDoc("Draws from l(x), of which the best ln l(x) - ln g(x) is taken (Optuna's n_ei_candidates).")]
    public int EiCandidates { get; init; } = 24;

    [SpecKey("multivariate"), SpecDoc("One joint Parzen estimator over all swept keys instead of one per key (Optuna's multivariate; it recommends it for correlated keys).")]
    public bool Multivariate { get; init; }

    [SpecKey("gamma"), SpecRange(Min = 0, Max = 1, MinExclusive = true)]
    [SpecDoc("Share of the finished trials that count as good: min(ceil(gamma * n), 25) of n (the factor of Optuna's default_gamma).")]
    public double Gamma { get; init; } = 0.1;

    [SpecKey("prior_weight"), SpecRange(Min = 0, Max = 1000, MinExclusive = true), SpecDoc("Weight of the prior kernel against each trial's (Optuna's prior_weight).")]
    public double PriorWeight { get; init; } = 1.0;

    [SpecKey("consider_endpoints"), SpecDoc("Let the range ends count as neighbours when a kernel's width is set (Optuna's consider_endpoints).")]
    public bool ConsiderEndpoints { get; init; }

    [SpecKey("constant_liar"), SpecDoc("Count trials still running as the worst ones, so parallel workers do not propose the same point (Optuna's constant_liar).")]
    public bool ConstantLiar { get; init; }
}
