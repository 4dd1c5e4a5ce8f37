using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Specs;

public sealed class SweepSearchSpecTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    private const string Parameters = "  parameters:\n    training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}\n";

    private SpecException SweepFails(string sweep)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n" + sweep);
        return folder.LoadFails("x.yaml");
    }

    [Fact]
    public void TpeSweep_BindsItsSettings_AndTheHalvingPruner()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n  method: tpe\n  trials: 30\n  tpe: {n_startup_trials: 5, multivariate: true}\n" + Parameters +
            "  early_stopping: {type: hyperband, reduction_factor: 2, max_resource: 8}\n");

        var sweep = folder.Load("x.yaml").Spec.Sweep!;

        Assert.Equal(SweepMethod.Tpe, sweep.Method);
        Assert.Equal((5, 24, true), (sweep.Tpe!.StartupTrials, sweep.Tpe.EiCandidates, sweep.Tpe.Multivariate));
        Assert.Equal(new TpeOptions(NStartupTrials: 5, NEiCandidates: 24, Multivariate: true), TpeOptions.Of(sweep.Tpe));
        Assert.Equal((EarlyStoppingRule.Hyperband, 2, 1, 8), (sweep.EarlyStopping!.Type, sweep.EarlyStopping.ReductionFactor, sweep.EarlyStopping.MinResource, sweep.EarlyStopping.MaxResource));
    }

    [Fact]
    public void TpeSweep_BindsOptunasTuningKeys_AndConstantLiar()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n  method: tpe\n  trials: 30\n" +
            "  tpe: {gamma: 0.25, prior_weight: 0.5, consider_endpoints: true, constant_liar: true}\n" + Parameters);

        var tpe = folder.Load("x.yaml").Spec.Sweep!.Tpe;

        Assert.Equal(new TpeOptions(Gamma: 0.25, PriorWeight: 0.5, ConsiderEndpoints: true, ConstantLiar: true), TpeOptions.Of(tpe));
        // Unset keys keep Optuna 4.9's TPESampler defaults (sampler.py: default_gamma's 0.1, prior_weight 1.0, both flags off).
        Assert.Equal(TpeOptions.Default, TpeOptions.Of(new SweepTpeSpec()));
    }

    [Theory]
    [InlineData("gamma: 0", "sweep.tpe.gamma")]
    [InlineData("gamma: 1.5", "sweep.tpe.gamma")]
    [InlineData("prior_weight: 0", "sweep.tpe.prior_weight")]
    public void TpeSweep_TuningKeyOutOfRange_IsOneErrorNamingTheKey(string setting, string key)
    {
        var error = SweepFails("  method: tpe\n  trials: 30\n  tpe: {" + setting + "}\n" + Parameters);

        Assert.Equal(key, Assert.Single(error.Errors).Key);
        Assert.StartsWith("x.yaml:", error.Message);
        Assert.Contains(setting.Split(": ")[1], error.Message);
    }

    [Fact]
    public void TpeSweep_WithoutTrials_IsAnError()
    {
        var error = SweepFails("  method: tpe\n" + Parameters);

        Assert.Equal("sweep.trials", error.Key);
        Assert.Contains("required with method: tpe: how many trials to propose", error.Message);
    }

    [Fact]
    public void TpeSettings_WithAnotherMethod_OrMoreStartupTrialsThanTrials_AreErrors()
    {
        var other = SweepFails("  method: random\n  trials: 5\n  tpe: {n_startup_trials: 3}\n" + Parameters);
        var startup = SweepFails("  method: tpe\n  trials: 5\n  tpe: {n_startup_trials: 8}\n" + Parameters);

        Assert.Contains("x.yaml:6:3: sweep.tpe: not used with method: random; only method: tpe reads sweep.tpe", other.Message);
        Assert.Equal("sweep.tpe.n_startup_trials", startup.Key);
        Assert.Contains("8 random startup trials leave none of the 5 sweep.trials to TPE", startup.Message);
    }

    [Fact]
    public void BadHalvingSettings_NameTheKeyTheValueAndWhatIsAllowed()
    {
        var eta = SweepFails(Parameters + "  early_stopping: {type: asha, reduction_factor: 1}\n");
        var max = SweepFails(Parameters + "  early_stopping: {type: hyperband, min_resource: 2, max_resource: 5}\n");
        var notHyperband = SweepFails(Parameters + "  early_stopping: {type: asha, max_resource: 9}\n");
        var notAsha = SweepFails(Parameters + "  early_stopping: {type: median, min_early_stopping_rate: 1}\n");

        Assert.Equal("sweep.early_stopping.reduction_factor", eta.Key);
        Assert.Contains("2..100", eta.Message);
        Assert.Contains("sweep.early_stopping.max_resource: hyperband needs max_resource >= min_resource * reduction_factor (6)", max.Message);
        Assert.Contains("sweep.early_stopping.max_resource: only used with type: hyperband; remove it for type: asha", notHyperband.Message);
        Assert.Contains("sweep.early_stopping.min_early_stopping_rate: only used with type: asha", notAsha.Message);
    }

    [Fact]
    public void TpeSweep_HasNoPlanToPrint()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n  method: tpe\n  trials: 3\n" + Parameters);

        var error = Assert.Throws<ArgumentException>(() => ImdbExperiments.Sweeps.SweepPlanner.Plan(folder.Load("x.yaml")));

        Assert.Contains("sweep.method: tpe, which proposes each trial from the results of those before it", error.Message);
    }
}
