using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

// Behaviour followed: optuna/samplers/_tpe/sampler.py (default_gamma, default_weights, n_startup_trials, the split by value
// with trials then in number order, n_ei_candidates draws from l ranked by log l - log g) and
// optuna/samplers/_tpe/parzen_estimator.py (neighbour bandwidths, consider_endpoints, magic clip, prior kernel).
public sealed class TpeSamplerTests
{
    private static readonly SearchDimension Unit = SearchDimension.Numeric("x", 0, 1);

    [Fact]
    public void GammaAndWeights_AreOptunasDefaults()
    {
        Assert.Equal([1, 1, 2, 3, 25, 25], new[] { 1, 10, 11, 30, 250, 1000 }.Select(TpeSampler.Gamma));
        Assert.Equal([1.0, 1.0, 1.0], TpeSampler.DefaultWeights(3));
        var weights = TpeSampler.DefaultWeights(27); // numpy.linspace(1/27, 1, 2), then 25 ones
        Assert.Equal(1.0 / 27, weights[0], 12);
        Assert.Equal(1.0, weights[1], 12);
        Assert.All(weights[2..], w => Assert.Equal(1.0, w));
    }

    [Fact]
    public void Bandwidths_FollowTheNeighbourRule_WithTheMagicClip()
    {
        // Observations 0.1 and 0.7 on [0, 1] with the prior at 0.5: sorted 0 | 0.1 0.5 0.7 | 1. Without endpoints the
        // outer kernels take their inner gap (0.4 and 0.2); the clip raises 0.2 to 1 / min(100, 1 + 3) = 0.25; prior sigma 1.
        var estimator = new ParzenEstimator(Unit, [0.1, 0.7], priorWeight: 1, considerEndpoints: false, magicClip: true);
        (double Mu, double Sigma)[] kernels = [(0.1, 0.4), (0.7, 0.25), (0.5, 1.0)];

        foreach (var x in new[] { 0.0, 0.33, 0.7, 0.99 })
        {
            var expected = Math.Log(kernels.Sum(k =>
                Math.Exp(NormalMath.LogDensity((x - k.Mu) / k.Sigma)) / k.Sigma / Math.Exp(NormalMath.LogMass(-k.Mu / k.Sigma, (1 - k.Mu) / k.Sigma)) / 3));
            Assert.Equal(expected, estimator.LogPdf(x), 6);
        }
    }

    [Fact]
    public void CategoricalKernels_AddThePriorToEveryChoice()
    {
        // Two observations of choice 2 of 3, prior weight 1: each kernel 1/3 on every choice plus 1 on its own, normalized.
        var estimator = new ParzenEstimator(new SearchDimension("c", 0, 2, false, false, ["a", "b", "c"]), [2, 2], 1, false, true);
        var own = (1.0 / 3 + 1) / 2;
        var other = 1.0 / 3 / 2;
        Assert.Equal(Math.Log((2 * own + 1.0 / 3) / 3), estimator.LogPdf(2), 9);
        Assert.Equal(Math.Log((2 * other + 1.0 / 3) / 3), estimator.LogPdf(0), 9);
    }

    [Fact]
    public void Proposal_IsAPureFunctionOfSeedIndexAndTrials()
    {
        SearchDimension[] space = [SearchDimension.Numeric("lr", 1e-5, 1e-2, log: true), SearchDimension.Numeric("batch", 4, 64, integer: true)];
        var trials = Enumerable.Range(0, 12).Select(i => new SearchTrial(i, TpeSampler.Propose(space, [], SweepGoal.Maximize, 5, i), TrialStatus.Completed, i % 5, [])).ToList();

        var a = TpeSampler.Propose(space, trials, SweepGoal.Maximize, seed: 5, index: 12);
        var b = TpeSampler.Propose(space, trials, SweepGoal.Maximize, seed: 5, index: 12);
        var otherSeed = TpeSampler.Propose(space, trials, SweepGoal.Maximize, seed: 6, index: 12);

        Assert.Equal(a, b);
        Assert.NotEqual(a, otherSeed);
        Assert.InRange(a["lr"], 1e-5, 1e-2);
        Assert.Equal(Math.Round(a["batch"]), a["batch"]);
        Assert.InRange(a["batch"], 4, 64);
    }

    [Fact]
    public void AfterTheStartupTrials_ProposalsConcentrateWhereTheGoodTrialsAre()
    {
        // 30 trials spread over [0, 1]; the metric peaks at 0.8. The startup draws are uniform, TPE's are not.
        var trials = Enumerable.Range(0, 30).Select(i => new SearchTrial(i, new Dictionary<string, double> { ["x"] = (i + 0.5) / 30 }, TrialStatus.Completed, -Math.Abs((i + 0.5) / 30 - 0.8), [])).ToList();

        var proposals = Enumerable.Range(30, 40).Select(i => TpeSampler.Propose([Unit], trials, SweepGoal.Maximize, 1, i)["x"]).ToList();
        var startup = Enumerable.Range(30, 40).Select(i => TpeSampler.Propose([Unit], trials, SweepGoal.Maximize, 1, i, startupTrials: 100)["x"]).ToList();

        Assert.True(proposals.Count(x => Math.Abs(x - 0.8) < 0.1) >= 30, string.Join(", ", proposals));
        Assert.True(startup.Count(x => Math.Abs(x - 0.8) < 0.1) <= 15, string.Join(", ", startup));
    }

    [Fact]
    public void Tpe_BeatsRandom_OnASmoothObjective()
    {
        // A log-scale learning-rate optimum at 3e-4 and a batch-size optimum at 24; regret is the distance from the best value 0.
        SearchDimension[] space = [SearchDimension.Numeric("lr", 1e-6, 1e-1, log: true), SearchDimension.Numeric("batch", 4, 128, integer: true)];
        static double Objective(IReadOnlyDictionary<string, double> p) =>
            -Math.Pow(Math.Log10(p["lr"]) - Math.Log10(3e-4), 2) - Math.Pow(Math.Log2(p["batch"]) - Math.Log2(24), 2) / 4;

        double Best(ulong seed, bool tpe)
        {
            var trials = new List<SearchTrial>();
            for (var i = 0; i < 40; i++)
            {
                var point = TpeSampler.Propose(space, trials, SweepGoal.Maximize, seed, i, startupTrials: tpe ? 10 : int.MaxValue);
                trials.Add(new SearchTrial(i, point, TrialStatus.Completed, Objective(point), []));
            }

            return trials.Max(t => t.Value!.Value);
        }

        var seeds = Enumerable.Range(1, 9).Select(s => (ulong)s).ToArray();
        var tpeRegret = Median(seeds.Select(s => -Best(s, tpe: true)));
        var randomRegret = Median(seeds.Select(s => -Best(s, tpe: false)));

        Assert.True(tpeRegret < randomRegret / 3, $"median regret after 40 trials: tpe {tpeRegret:G3}, random {randomRegret:G3}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
