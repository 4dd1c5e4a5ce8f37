namespace ImdbExperiments.Specs;

/// <summary>Settings of the TPE sampler (sweep.method: tpe), Optuna's defaults.</summary>
public sealed record SweepTpeSpec
{
    [SpecKey("startup_trials"), SpecRange(Min = 1, Max = 10000), SpecDoc("Trials sampled at random before TPE takes over (Optuna's n_startup_trials).")]
    public int StartupTrials { get; init; } = 10;

    [SpecKey("ei_candidates"), SpecRange(Min = 1, Max = 10000), SpecDoc("Draws from l(x) per key, of which the best ln l(x) - ln g(x) is taken (Optuna's n_ei_candidates).")]
    public int EiCandidates { get; init; } = 24;
}
