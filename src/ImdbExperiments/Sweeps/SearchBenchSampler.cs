namespace ImdbExperiments.Sweeps;

/// <summary>A TPE configuration that <see cref="SearchBench"/> compares, under the method name its rows carry.</summary>
public sealed record SearchBenchSampler(string Method, TpeOptions Options)
{
    /// <summary>Optuna 4.9's TPESampler() as it comes.</summary>
    public static SearchBenchSampler OptunaDefault { get; } = new("tpe", TpeOptions.Default);

    /// <summary>What Optuna recommends for correlated keys (multivariate), with fewer random startup trials.</summary>
    public static SearchBenchSampler Tuned { get; } = new("tpe tuned", new TpeOptions(NStartupTrials: 5, Multivariate: true));
}
