using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna 4.9's TPESampler runs it
/// (optuna/samplers/_tpe/sampler.py): until <see cref="TpeOptions.NStartupTrials"/> trials are complete or pruned, a uniform
/// draw per key; after that the n trials are split into the gamma(n) = min(ceil(0.1 n), 25) best ("below": completed trials
/// by value, then pruned ones by evaluations reached and their last value) and the rest, a <see cref="ParzenEstimator"/>
/// l(x) is fitted to the below and g(x) to the rest (trials in index order, so the ramp of <see cref="DefaultWeights"/> weighs
/// the oldest least), and the one of <see cref="TpeOptions.NEiCandidates"/> draws from l with the largest ln l(x) − ln g(x) is
/// taken: per key (univariate, Optuna's default) or for all keys at once (<see cref="TpeOptions.Multivariate"/>).
/// Proposal i draws from its own random stream (seed, i), so it is a pure function of the seed, i and the trials given
/// (in any order). Failed trials are ignored, as Optuna ignores them. With <see cref="TpeOptions.ConstantLiar"/> the trials
/// still running join the rest (g), so a second worker asking meanwhile is steered away from their points; they count
/// neither for the startup trials nor for gamma (Optuna's _sample and _split_trials).
/// </summary>
public static class TpeSampler
{
    public const int DefaultStartupTrials = 10;
    public const int DefaultEiCandidates = 24;
    public const double DefaultGamma = 0.1;
    public const double DefaultPriorWeight = 1.0;

    /// <summary>Optuna's default_gamma: how many of n trials count as good.</summary>
    public static int Gamma(int n) => GammaOf(n, DefaultGamma);

    /// <summary>default_gamma with another factor than 0.1: min(ceil(factor · n), 25).</summary>
    public static int GammaOf(int n, double factor) => Math.Min((int)Math.Ceiling(factor * n), 25);

    /// <summary>Optuna's default_weights: ones for fewer than 25 trials, else a ramp from 1/n up to 1 and 25 ones for the newest.</summary>
    public static double[] DefaultWeights(int n)
    {
        if (n < 25)
        {
            return Enumerable.Repeat(1.0, n).ToArray();
        }

        var ramp = n - 25;
        var weights = new double[n];
        for (var i = 0; i < n; i++)
        {
            // numpy.linspace(1/n, 1, num=ramp): a single point is the start.
            weights[i] = i >= ramp ? 1.0 : ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
        }

        return weights;
    }

    /// <summary>Proposal <paramref name="index"/>: a value per dimension (see <see cref="SearchTrial.Point"/>).</summary>
    public static IReadOnlyDictionary<string, double> Propose(
        IReadOnlyList<SearchDimension> space,
        IReadOnlyList<SearchTrial> trials,
        SweepGoal goal,
        ulong seed,
        int index,
        int startupTrials = DefaultStartupTrials,
        int eiCandidates = DefaultEiCandidates) =>
        Propose(space, trials, goal, seed, index, new TpeOptions(startupTrials, eiCandidates));

    /// <summary>Proposal <paramref name="index"/> with the given options.</summary>
    public static IReadOnlyDictionary<string, double> Propose(
        IReadOnlyList<SearchDimension> space,
        IReadOnlyList<SearchTrial> trials,
        SweepGoal goal,
        ulong seed,
        int index,
        TpeOptions options) =>
        Propose(space, trials, [], goal, seed, index, options);

    /// <summary>Proposal <paramref name="index"/> while the <paramref name="running"/> trials have not finished (used only with constant_liar).</summary>
    public static IReadOnlyDictionary<string, double> Propose(
        IReadOnlyList<SearchDimension> space,
        IReadOnlyList<SearchTrial> trials,
        IReadOnlyList<RunningSearchTrial> running,
        SweepGoal goal,
        ulong seed,
        int index,
        TpeOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(options.NStartupTrials);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.NEiCandidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Gamma);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Gamma, 1.0);
        var random = new DeterministicRandom(seed, index);
        var usable = trials.Where(t => t.Status == TrialStatus.Completed && t.Value is { } v && !double.IsNaN(v) || t.Status == TrialStatus.Stopped)
            .OrderBy(t => t.Index).ToList();
        var point = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (usable.Count < options.NStartupTrials)
        {
            foreach (var dimension in space)
            {
                point[dimension.Key] = dimension.SampleUniform(random);
            }

            return point;
        }

        var (below, above) = Split(usable, goal, GammaOf(usable.Count, options.Gamma));
        // Optuna's _split_trials puts every running trial above, and leaves out the trial being proposed.
        var finished = usable.Select(t => t.Index).ToHashSet();
        var abovePoints = options.ConstantLiar
            ? above.Select(t => (t.Index, t.Point)).Concat(running.Where(r => r.Index != index && !finished.Contains(r.Index)).Select(r => (r.Index, r.Point)))
                .OrderBy(p => p.Index).Select(p => p.Point).ToList()
            : above.Select(t => t.Point).ToList();
        // Univariate: one estimator pair per key (Optuna's sample_independent); multivariate: one over all keys (sample_relative).
        IEnumerable<SearchDimension[]> groups = options.Multivariate ? [[.. space]] : space.Select(d => new[] { d });
        foreach (var group in groups)
        {
            var l = new ParzenEstimator(group, Observations(below.Select(t => t.Point), group), options.PriorWeight, options.ConsiderEndpoints, magicClip: true);
            var g = new ParzenEstimator(group, Observations(abovePoints, group), options.PriorWeight, options.ConsiderEndpoints, magicClip: true);
            double[]? best = null;
            var bestScore = double.NegativeInfinity;
            for (var c = 0; c < options.NEiCandidates; c++)
            {
                var candidate = l.Sample(random);
                var score = l.LogPdf(candidate) - g.LogPdf(candidate);
                if (best is null || score > bestScore)
                {
                    (best, bestScore) = (candidate, score);
                }
            }

            for (var d = 0; d < group.Length; d++)
            {
                point[group[d].Key] = best![d];
            }
        }

        return point;
    }

    /// <summary>The good and the other trials, each in index order.</summary>
    internal static (List<SearchTrial> Below, List<SearchTrial> Above) Split(IReadOnlyList<SearchTrial> trials, SweepGoal goal, int nBelow)
    {
        var sign = goal == SweepGoal.Maximize ? -1.0 : 1.0;
        var complete = trials.Where(t => t.Status == TrialStatus.Completed).OrderBy(t => sign * t.Value!.Value).ThenBy(t => t.Index);
        // Optuna ranks pruned trials by the step they reached (further is better), then by their value there.
        var pruned = trials.Where(t => t.Status != TrialStatus.Completed)
            .OrderByDescending(t => t.Evaluations.Count)
            .ThenBy(t => t.Evaluations.Count == 0 || double.IsNaN(t.Evaluations[^1]) ? double.PositiveInfinity : sign * t.Evaluations[^1])
            .ThenBy(t => t.Index);
        var ranked = complete.Concat(pruned).ToList();
        var below = ranked.Take(nBelow).OrderBy(t => t.Index).ToList();
        var above = ranked.Skip(nBelow).OrderBy(t => t.Index).ToList();
        return (below, above);
    }

    /// <summary>The values of the trials that have every key of the group (Optuna: search_space.keys() &lt;= params.keys()).</summary>
    private static List<double[]> Observations(IEnumerable<IReadOnlyDictionary<string, double>> points, SearchDimension[] group) =>
        [.. points.Where(p => group.All(d => p.ContainsKey(d.Key))).Select(p => group.Select(d => p[d.Key]).ToArray())];
}
