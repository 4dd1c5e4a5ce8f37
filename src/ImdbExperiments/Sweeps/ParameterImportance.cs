using System.Globalization;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// How much of the spread of the sweep metric each swept key explains, a light stand-in for Optuna's fANOVA: per key,
/// the trials are grouped (by value for categorical keys; into about √n equal-count bins by rank for numeric ones) and
/// the metric's variance is split into between-group and within-group parts; the key's score is the bias-corrected share
/// ε² = (SS_between − (k − 1) MS_within) / SS_total, floored at 0, so that a key that does not matter scores about 0
/// however many groups it has. Scores are normalized to sum to 1, as Optuna's importances are; all 0 when none explains
/// anything. First-order only: what keys explain together, beyond each alone, is not counted.
/// </summary>
public static class ParameterImportance
{
    /// <summary>What the report calls this estimator.</summary>
    public const string EstimatorName = "first-order variance share (ε², one-way ANOVA per key)";

    /// <summary>
    /// How it differs from Optuna's default (optuna/importance/_fanova: a 64-tree scikit-learn random forest fitted to the
    /// completed trials, each key's importance the variance of the forest's marginal prediction over that key across the
    /// whole search space, as a share of the tree's total variance, averaged over the trees, normalized to sum to 1).
    /// </summary>
    public const string EstimatorDifference =
        "Optuna's default is fANOVA: it fits a random forest (64 trees) to the completed trials and takes each key's share of the " +
        "variance of the forest's prediction, marginalized over the whole search space. This report uses a simpler estimator " +
        "that needs no forest and is the same for the same trials: each key's share of the metric's variance between groups of " +
        "trials with similar values (its value for choices; about √n equal-count rank bins for numbers), corrected for the number " +
        "of groups (ε²), floored at 0 and normalized to sum to 1. Like Optuna's output it is first-order; unlike fANOVA it sees only " +
        "the trials' values, not the space between them, and is rank-based, so a key's scale (linear or log) does not change it.";

    /// <param name="trials">Each completed trial's swept values (value texts) and its metric.</param>
    /// <returns>Key → importance, largest first; empty for fewer than three trials.</returns>
    public static IReadOnlyList<KeyValuePair<string, double>> Compute(IReadOnlyList<(IReadOnlyDictionary<string, string> Values, double Metric)> trials)
    {
        var usable = trials.Where(t => double.IsFinite(t.Metric)).ToList();
        if (usable.Count < 3)
        {
            return [];
        }

        var keys = usable.SelectMany(t => t.Values.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var scores = keys.ToDictionary(k => k, k => Score(usable.Where(t => t.Values.ContainsKey(k)).Select(t => (t.Values[k], t.Metric)).ToList()), StringComparer.Ordinal);
        var total = scores.Values.Sum();
        return [.. scores
            .Select(kv => KeyValuePair.Create(kv.Key, total > 0 ? kv.Value / total : 0))
            .OrderByDescending(kv => kv.Value)
            .ThenBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    private static double Score(List<(string Value, double Metric)> trials)
    {
        var n = trials.Count;
        if (n < 3)
        {
            return 0;
        }

        var numeric = trials.All(t => double.TryParse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        int[] groups;
        if (numeric)
        {
            // Equal-count bins by rank: the scale (linear or log) does not matter, and tied values share a bin.
            var bins = Math.Clamp((int)Math.Round(Math.Sqrt(n)), 2, 10);
            var order = Enumerable.Range(0, n).OrderBy(i => double.Parse(trials[i].Value, CultureInfo.InvariantCulture)).ToArray();
            groups = new int[n];
            for (var r = 0; r < n; r++)
            {
                var i = order[r];
                var previous = r > 0 ? order[r - 1] : -1;
                groups[i] = r > 0 && trials[i].Value == trials[previous].Value ? groups[previous] : r * bins / n;
            }
        }
        else
        {
            var ids = trials.Select(t => t.Value).Distinct(StringComparer.Ordinal).Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, StringComparer.Ordinal);
            groups = [.. trials.Select(t => ids[t.Value])];
        }

        var mean = trials.Average(t => t.Metric);
        var ssTotal = trials.Sum(t => (t.Metric - mean) * (t.Metric - mean));
        var groupCount = groups.Distinct().Count();
        if (ssTotal <= 0 || groupCount < 2 || groupCount >= n)
        {
            return 0;
        }

        var ssBetween = groups.Select((g, i) => (g, trials[i].Metric)).GroupBy(p => p.g).Sum(g => g.Count() * Math.Pow(g.Average(p => p.Metric) - mean, 2));
        var msWithin = (ssTotal - ssBetween) / (n - groupCount);
        return Math.Max(0, (ssBetween - (groupCount - 1) * msWithin) / ssTotal);
    }
}
