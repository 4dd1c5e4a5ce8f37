using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

// Behaviour followed (Optuna v4.9.0): optuna/samplers/_tpe/sampler.py (default_gamma, default_weights, n_startup_trials, the split by value
// with trials then in number order, n_ei_candidates draws from l ranked by log l - log g) and
// optuna/samplers/_tpe/parzen_estimator.py (neighbour bandwidths, consider_endpoints, magic clip, prior kernel, multivariate
// bandwidth) and probability_distributions.py (a mixture of product kernels).
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
    public void Bandwidths_FollowTheNeighbourRule_WithoutThePrior_AndTheMagicClip()
    {
        // optuna/samplers/_tpe/parzen_estimator.py (v4.9, compute_sigmas): observations 0.1, 0.2, 0.7 on [0, 1] sorted between
        // the ends: 0 | 0.1 0.2 0.7 | 1 (the prior at 0.5 is not among them since Optuna 4.9). Each sigma is the larger gap to
        // a neighbour (0.1, 0.5, 0.5); without endpoints the outer ones take their inner gap (0.1 and 0.5); the magic clip
        // raises 0.1 to 1 / min(100, 1 + 4) = 0.2. The prior kernel is appended: mu 0.5, sigma 1.
        var estimator = new ParzenEstimator(Unit, [0.7, 0.1, 0.2], priorWeight: 1, considerEndpoints: false, magicClip: true);

        var (mus, sigmas) = estimator.KernelsOf(0);

        Assert.Equal([0.7, 0.1, 0.2, 0.5], mus);
        Assert.Equal([0.5, 0.2, 0.5, 1.0], sigmas.Select(s => Math.Round(s, 12)));
    }

    [Fact]
    public void LogPdf_IsTheWeightedMixtureOfTruncatedNormals()
    {
        // Observations 0.1 and 0.7 on [0, 1]: sorted 0 | 0.1 0.7 | 1; without endpoints both take their inner gap 0.6
        // (above the clip 1 / 4); the prior is N(0.5, 1); weights 1, 1, 1 normalized (default_weights, prior_weight 1).
        var estimator = new ParzenEstimator(Unit, [0.1, 0.7], priorWeight: 1, considerEndpoints: false, magicClip: true);
        (double Mu, double Sigma)[] kernels = [(0.1, 0.6), (0.7, 0.6), (0.5, 1.0)];

        foreach (var x in new[] { 0.0, 0.33, 0.7, 0.99 })
        {
            var expected = Math.Log(kernels.Sum(k =>
                Math.Exp(NormalMath.LogDensity((x - k.Mu) / k.Sigma)) / k.Sigma / Math.Exp(NormalMath.LogMass(-k.Mu / k.Sigma, (1 - k.Mu) / k.Sigma)) / 3));
            Assert.Equal(expected, estimator.LogPdf(x), 6);
        }
    }

    [Fact]
    public void Multivariate_KernelsAreJoint_WithEachKeysNeighbourBandwidths()
    {
        // parzen_estimator.py (v5.0.0-rc1: multivariate uses the same neighbour rule as univariate, per key) and
        // probability_distributions.py (_MixtureOfProductDistribution.log_pdf: a kernel's density is the product over the
        // keys, and the mixture sums kernels). x as above: sigmas 0.5, 0.2, 0.5. y on [0, 2]: 0 | 0.2 1.0 1.4 | 2 gives
        // 0.8, 0.8 and 0.4 (inner gaps at the ends), clipped below at 2 / 5 = 0.4. Priors mid-range with sigma = range.
        SearchDimension[] space = [Unit, SearchDimension.Numeric("y", 0, 2)];
        double[][] observations = [[0.7, 1.4], [0.1, 0.2], [0.2, 1.0]];
        var estimator = new ParzenEstimator(space, observations, priorWeight: 1, considerEndpoints: false, magicClip: true);

        Assert.Equal([0.5, 0.2, 0.5, 1.0], estimator.KernelsOf(0).Sigmas.Select(s => Math.Round(s, 12)));
        Assert.Equal([0.4, 0.8, 0.8, 2.0], estimator.KernelsOf(1).Sigmas.Select(s => Math.Round(s, 12)));

        static double Density(double x, double mu, double s, double high) =>
            Math.Exp(NormalMath.LogDensity((x - mu) / s)) / s / Math.Exp(NormalMath.LogMass(-mu / s, (high - mu) / s));
        (double Mx, double Sx, double My, double Sy)[] kernels = [(0.7, 0.5, 1.4, 0.4), (0.1, 0.2, 0.2, 0.8), (0.2, 0.5, 1.0, 0.8), (0.5, 1, 1, 2)];
        var expected = Math.Log(kernels.Sum(k => Density(0.3, k.Mx, k.Sx, 1) * Density(0.6, k.My, k.Sy, 2)) / 4);
        Assert.Equal(expected, estimator.LogPdf([0.3, 0.6]), 6);
    }

    [Fact]
    public void Split_RanksCompletedByValue_ThenPrunedByHowFarTheyGot()
    {
        // sampler.py (_split_trials, _get_pruned_trial_score): completed trials sorted by value fill the below first; then
        // pruned ones by (-last step, -value at it) when maximizing; both halves come back in trial-number order.
        static SearchTrial Trial(int index, TrialStatus status, double? value, params double[] evaluations) =>
            new(index, new Dictionary<string, double> { ["x"] = index / 10.0 }, status, value, evaluations);
        SearchTrial[] trials =
        [
            Trial(0, TrialStatus.Stopped, null, 0.5, 0.6), Trial(1, TrialStatus.Completed, 0.3), Trial(2, TrialStatus.Stopped, null, 0.9),
            Trial(3, TrialStatus.Completed, 0.8), Trial(4, TrialStatus.Stopped, null, 0.1, 0.7), Trial(5, TrialStatus.Completed, 0.2),
        ];

        var (below, above) = TpeSampler.Split(trials, SweepGoal.Maximize, nBelow: 4);

        Assert.Equal([1, 3, 4, 5], below.Select(t => t.Index));
        Assert.Equal([0, 2], above.Select(t => t.Index));
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Proposals_AreTheSameInTheSameOrder_AfterAnInterruptAndRestart(bool multivariate)
    {
        // A sweep of 25 trials run straight through, and one stopped after 13 that starts again from the 13 results it saved
        // (handed back in another order): proposals depend only on the seed, the index and the finished trials.
        SearchDimension[] space = [SearchDimension.Numeric("lr", 1e-6, 1e-1, log: true), SearchDimension.Numeric("batch", 4, 256, integer: true),
            new SearchDimension("warmup", 0, 2, false, false, ["0", "0.06", "0.1"])];
        var options = new TpeOptions(NStartupTrials: 5, Multivariate: multivariate);
        static double Metric(IReadOnlyDictionary<string, double> p) => -Math.Pow(Math.Log10(p["lr"]) + 3.5, 2) - Math.Abs(p["batch"] - 32) / 100 - p["warmup"];
        List<SearchTrial> Run(List<SearchTrial> finished, int count)
        {
            for (var i = finished.Count; i < count; i++)
            {
                var point = TpeSampler.Propose(space, finished, SweepGoal.Maximize, seed: 11, i, options);
                finished.Add(new SearchTrial(i, point, i % 4 == 3 ? TrialStatus.Stopped : TrialStatus.Completed, i % 4 == 3 ? null : Metric(point), [Metric(point)]));
            }

            return finished;
        }

        var straight = Run([], 25);
        var interrupted = Run([], 13);
        var restarted = Run([.. interrupted.AsEnumerable().Reverse()], 25).OrderBy(t => t.Index).ToList();

        Assert.Equal(straight.Select(t => t.Point), restarted.Select(t => t.Point));
        Assert.True(straight.Skip(5).Select(t => t.Point["batch"]).Distinct().Count() > 3, "TPE proposals vary");
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

    [Fact]
    public void Gamma_FactorSetsTheGoodShare_CappedAt25()
    {
        // sampler.py default_gamma is min(ceil(0.1 n), 25); sweep.tpe.gamma replaces the 0.1.
        Assert.Equal([1, 3, 8, 25], new[] { 1, 10, 30, 200 }.Select(n => TpeSampler.GammaOf(n, 0.25)));
        Assert.Equal(new[] { 1, 10, 30, 200 }.Select(TpeSampler.Gamma), new[] { 1, 10, 30, 200 }.Select(n => TpeSampler.GammaOf(n, TpeSampler.DefaultGamma)));
    }

    [Fact]
    public void ConstantLiar_TwoRunningTrials_SteerTheNextProposalAwayFromThem()
    {
        // sampler.py (v4.9, _sample and _split_trials with constant_liar): RUNNING trials join the above group (g), so a
        // worker that asks while two others run is not sent to their points. Twenty finished trials peak at 0.8; trials 20
        // and 21 run at 0.8 and 0.81; proposals 22.. (one per later worker) are drawn with and without the liar.
        var finished = Enumerable.Range(0, 20).Select(i => new SearchTrial(i, new Dictionary<string, double> { ["x"] = (i + 0.5) / 20 }, TrialStatus.Completed, -Math.Abs((i + 0.5) / 20 - 0.8), [])).ToList();
        RunningSearchTrial[] running = [new(20, new Dictionary<string, double> { ["x"] = 0.8 }), new(21, new Dictionary<string, double> { ["x"] = 0.81 })];
        double Distance(IReadOnlyDictionary<string, double> p) => running.Min(r => Math.Abs(p["x"] - r.Point["x"]));
        var liar = new TpeOptions(ConstantLiar: true);

        var withLiar = Enumerable.Range(22, 30).Select(i => TpeSampler.Propose([Unit], finished, running, SweepGoal.Maximize, 7, i, liar)).ToList();
        var without = Enumerable.Range(22, 30).Select(i => TpeSampler.Propose([Unit], finished, running, SweepGoal.Maximize, 7, i, TpeOptions.Default)).ToList();

        Assert.Equal(without, Enumerable.Range(22, 30).Select(i => TpeSampler.Propose([Unit], finished, SweepGoal.Maximize, 7, i))); // off: running trials unseen
        var near = (Liar: withLiar.Count(p => Distance(p) < 0.02), Without: without.Count(p => Distance(p) < 0.02));
        Assert.True(near.Liar * 2 < near.Without, $"proposals within 0.02 of a running trial: liar {near.Liar}, without {near.Without}");
        Assert.True(withLiar.Average(Distance) > without.Average(Distance), $"mean distance: liar {withLiar.Average(Distance):G3}, without {without.Average(Distance):G3}");
    }

    [Fact]
    public void ConstantLiar_RunningTrialsCountNotAsStartupTrials_AndTheProposedOneIsLeftOut()
    {
        // sampler.py: the startup check counts COMPLETE and PRUNED trials only, and _sample drops the trial being proposed.
        var finished = Enumerable.Range(0, 4).Select(i => new SearchTrial(i, new Dictionary<string, double> { ["x"] = 0.1 * i }, TrialStatus.Completed, i, [])).ToList();
        var running = Enumerable.Range(4, 8).Select(i => new RunningSearchTrial(i, new Dictionary<string, double> { ["x"] = 0.9 })).ToList();
        var liar = new TpeOptions(NStartupTrials: 5, ConstantLiar: true);

        Assert.Equal(TpeSampler.Propose([Unit], [], SweepGoal.Maximize, 3, 12), TpeSampler.Propose([Unit], finished, running, SweepGoal.Maximize, 3, 12, liar));
        var more = finished.Append(new SearchTrial(4, new Dictionary<string, double> { ["x"] = 0.35 }, TrialStatus.Completed, 5, [])).ToList();
        Assert.Equal( // running[1] is trial 5 itself, asking
            TpeSampler.Propose([Unit], more, running.Skip(2).ToList(), SweepGoal.Maximize, 3, 5, liar),
            TpeSampler.Propose([Unit], more, running.Skip(1).ToList(), SweepGoal.Maximize, 3, 5, liar));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
