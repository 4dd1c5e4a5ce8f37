using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna's default TPESampler runs it, univariate
/// (optuna/samplers/_tpe/sampler.py): until <c>startupTrials</c> trials are complete or pruned, a uniform draw per key;
/// after that the n trials are split into the gamma(n) = min(ceil(0.1 n), 25) best ("below": completed trials by value,
/// then pruned ones by evaluations reached and their last value) and the rest, a <see cref="ParzenEstimator"/> l(x) is
/// fitted to the below and g(x) to the rest (trials in index order, so the ramp of <see cref="DefaultWeights"/> weighs the
/// oldest least), and per key the one of <c>eiCandidates</c> draws from l with the largest ln l(x) − ln g(x) is taken.
/// Proposal i draws from its own random stream (seed, i), so it is a pure function of the seed, i and the trials given.
/// Failed trials are ignored, as Optuna ignores them.
/// </summary>
public static class TpeSampler
{
    public const int DefaultStartupTrials = 10;
    public const int DefaultEiCandidates = 24;
    private const double PriorWeight = 1.0;

    /// <summary>Optuna's default_gamma: how many of n trials count as good.</summary>
    public static int Gamma(int n) => Math.Min((int)Math.Ceiling(0.1 * n), 25);

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
        int eiCandidates = DefaultEiCandidates)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eiCandidates);
        var random = new DeterministicRandom(seed, index);
        var usable = trials.Where(t => t.Status == TrialStatus.Completed && t.Value is { } v && !double.IsNaN(v) || t.Status == TrialStatus.Stopped).ToList();
        var point = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (usable.Count < startupTrials)
        {
            foreach (var dimension in space)
            {
                point[dimension.Key] = dimension.SampleUniform(random);
            }

            return point;
        }

        var (below, above) = Split(usable, goal, Gamma(usable.Count));
        foreach (var dimension in space)
        {
            var l = new ParzenEstimator(dimension, Observations(below, dimension), PriorWeight, considerEndpoints: false, magicClip: true);
            var g = new ParzenEstimator(dimension, Observations(above, dimension), PriorWeight, considerEndpoints: false, magicClip: true);
            var best = double.NaN;
            var bestScore = double.NegativeInfinity;
            for (var c = 0; c < eiCandidates; c++)
            {
                var candidate = l.Sample(random);
                var score = l.LogPdf(candidate) - g.LogPdf(candidate);
                if (double.IsNaN(best) || score > bestScore)
                {
                    (best, bestScore) = (candidate, score);
                }
            }

            point[dimension.Key] = best;
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

    private static List<double> Observations(List<SearchTrial> trials, SearchDimension dimension) =>
        [.. trials.Where(t => t.Point.ContainsKey(dimension.Key)).Select(t => t.Point[dimension.Key])];
}
