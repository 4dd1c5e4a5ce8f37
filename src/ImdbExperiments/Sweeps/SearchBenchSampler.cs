namespace ImdbExperiments.Sweeps;

/// <summary>A TPE configuration that <see cref="SearchBench"/> compares, under the method name its rows carry.</summary>
public sealed record SearchBenchSampler(string Method, TpeOptions Options)
{
    /// <summary>Optuna 4.9's TPESampler() as it comes.</summary>
    public static SearchBenchSampler OptunaDefault { get; } = new("tpe", TpeOptions.Default);

    /// <summary>
    /// Spec keys only (sweep.tpe: n_startup_trials 5, n_ei_candidates 32, multivariate, gamma 0.3): what Optuna recommends for
    /// correlated keys (multivariate), fewer random startup trials, and a larger good share so l(x) is not fitted to two trials.
    /// </summary>
    public static SearchBenchSampler Tuned { get; } = new("tpe tuned", new TpeOptions(NStartupTrials: 5, NEiCandidates: 32, Multivariate: true, Gamma: 0.3));
}
