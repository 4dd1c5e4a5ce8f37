using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SearchBenchTests
{
    [Fact]
    public void Bench_RowsEverySampler_AndASecondSeedSetDrawsOtherTrials()
    {
        SearchBenchSampler[] samplers = [SearchBenchSampler.OptunaDefault, SearchBenchSampler.Tuned];

        var first = SearchBench.Run([SearchObjective.Branin], seeds: 3, budgets: [6, 12], firstSeed: 0, samplers);
        var again = SearchBench.Run([SearchObjective.Branin], seeds: 3, budgets: [6, 12], firstSeed: 0, samplers);
        var second = SearchBench.Run([SearchObjective.Branin], seeds: 3, budgets: [6, 12], firstSeed: 3, samplers);

        Assert.Equal(["grid", "random", "tpe", "tpe tuned", "grid", "random", "tpe", "tpe tuned"], first.Select(r => r.Method));
        Assert.Equal(first.Select(r => r.MedianRegret[12]), again.Select(r => r.MedianRegret[12]));
        Assert.NotEqual(first.Single(r => r is { Method: "random", Pruning: false }).MedianRegret[12], second.Single(r => r is { Method: "random", Pruning: false }).MedianRegret[12]);
        // Without pruning every trial runs all 9 evaluations (grid lays out 2 x 2 and 3 x 3 points); with asha some stop at a rung.
        Assert.All(first.Where(r => !r.Pruning), r => Assert.Equal(r.Method == "grid" ? [36.0, 81.0] : [54.0, 108.0], new[] { r.MedianCost[6], r.MedianCost[12] }));
        Assert.All(first.Where(r => r.Pruning), r => Assert.True(r.MedianCost[12] < 108, $"{r.Method}: {r.MedianCost[12]}"));
    }

    [Fact]
    public void TunedSampler_IsWhatASweepSpecsTpeKeysAskFor()
    {
        // The bench's tuned row must be reachable by a user: its options come from sweep.tpe keys, nothing else.
        using var specs = new SpecFolder();
        specs.Write("tuned.yaml", SpecFolder.Minimal + "sweep:\n  method: tpe\n  trials: 40\n" +
            "  tpe: {n_startup_trials: 5, n_ei_candidates: 32, multivariate: true, gamma: 0.3}\n" +
            "  parameters:\n    training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}\n");

        Assert.Equal(SearchBenchSampler.Tuned.Options, TpeOptions.Of(specs.Load("tuned.yaml").Spec.Sweep!.Tpe));
        Assert.Equal(TpeOptions.Default, SearchBenchSampler.OptunaDefault.Options);
    }
}
