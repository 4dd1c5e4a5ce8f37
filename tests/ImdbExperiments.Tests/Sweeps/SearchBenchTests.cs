using ImdbExperiments.Sweeps;

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
}
