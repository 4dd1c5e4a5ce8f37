using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>The TPE sampler's settings, named and defaulted as Optuna 4.9's TPESampler arguments (Optuna 5.0 turns multivariate on by default).</summary>
/// <param name="NStartupTrials">Trials drawn at random before TPE takes over.</param>
/// <param name="NEiCandidates">Draws from l(x) of which the best ln l(x) − ln g(x) is proposed.</param>
/// <param name="Multivariate">One joint estimator over all keys (kernels pick every key's value together) instead of one per key.</param>
/// <param name="Gamma">The factor of Optuna's default_gamma: min(ceil(gamma · n), 25) of n finished trials are the good ones.</param>
/// <param name="PriorWeight">The prior kernel's weight against each trial kernel's.</param>
/// <param name="ConsiderEndpoints">Whether the range ends count as neighbours when a kernel's width is set.</param>
/// <param name="ConstantLiar">Running trials join g(x), the bad trials' estimator (Optuna's constant_liar).</param>
public sealed record TpeOptions(
    int NStartupTrials = TpeSampler.DefaultStartupTrials,
    int NEiCandidates = TpeSampler.DefaultEiCandidates,
    bool Multivariate = false,
    double Gamma = TpeSampler.DefaultGamma,
    double PriorWeight = TpeSampler.DefaultPriorWeight,
    bool ConsiderEndpoints = false,
    bool ConstantLiar = false)
{
    public static TpeOptions Default { get; } = new();

    /// <summary>The options a sweep spec's <c>sweep.tpe</c> section asks for (null = Optuna's defaults).</summary>
    public static TpeOptions Of(SweepTpeSpec? spec) =>
        spec is null ? Default : new TpeOptions(spec.StartupTrials, spec.EiCandidates, spec.Multivariate, spec.Gamma, spec.PriorWeight, spec.ConsiderEndpoints, spec.ConstantLiar);
}
