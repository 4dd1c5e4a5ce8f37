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
}
