using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Hyperband as Optuna's HyperbandPruner runs it (optuna/pruners/_hyperband.py): n = floor(log_eta(max / min resource)) + 1
/// brackets; bracket b is <see cref="SuccessiveHalvingRule"/> with min_early_stopping_rate b, and a trial competes only with
/// the trials of its own bracket. A trial's bracket is drawn from a budget in which bracket b has
/// ceil(n * eta^s / (s + 1)) slots, s = n - 1 - b, so the aggressive brackets get the most trials. Differences: the slot is
/// a function of the sweep seed and the trial index (Optuna hashes the study name and trial number with CRC-32), and
/// the log is taken in integers (Optuna's float log can floor an exact power one too low).
/// </summary>
public static class HyperbandRule
{
    /// <summary>How many brackets: the rungs that fit between min and max resource.</summary>
    public static int Brackets(int minResource, int maxResource, int reductionFactor) =>
        Math.Max(1, SuccessiveHalvingRule.Rungs(minResource, reductionFactor, 0, maxResource).Count());

    /// <summary>The bracket of trial <paramref name="index"/> (0 stops earliest).</summary>
    public static int BracketOf(int index, ulong seed, int brackets, int reductionFactor)
    {
        var budgets = Enumerable.Range(0, brackets).Select(b => Budget(brackets, b, reductionFactor)).ToArray();
        var slot = (long)new DeterministicRandom(seed ^ 0x6879_7065_7262_616eUL, index).NextUInt64((ulong)budgets.Sum());
        for (var b = 0; b < brackets; b++)
        {
            slot -= budgets[b];
            if (slot < 0)
            {
                return b;
            }
        }

        return brackets - 1;
    }

    /// <param name="index">The running trial's index.</param>
    /// <param name="others">Every other finished trial: its index, status and evaluations.</param>
    /// <param name="maxResource">Evaluations of a full trial; null = those of the first trial (by index) that completed.</param>
    public static bool ShouldStop(int index, IReadOnlyList<double> trialHistory, IReadOnlyList<(int Index, TrialStatus Status, IReadOnlyList<double> Evaluations)> others,
        SweepGoal goal, ulong seed, int minResource = 1, int reductionFactor = 3, int? maxResource = null)
    {
        var max = maxResource ?? others.Where(o => o.Status == TrialStatus.Completed && o.Evaluations.Count > 0).OrderBy(o => o.Index).Select(o => (int?)o.Evaluations.Count).FirstOrDefault();
        if (max is not { } resource)
        {
            return false;
        }

        var brackets = Brackets(minResource, resource, reductionFactor);
        var bracket = BracketOf(index, seed, brackets, reductionFactor);
        var mates = others.Where(o => BracketOf(o.Index, seed, brackets, reductionFactor) == bracket).Select(o => o.Evaluations);
        return SuccessiveHalvingRule.ShouldStop(trialHistory, mates, goal, minResource, reductionFactor, minEarlyStoppingRate: bracket);
    }

    private static long Budget(int brackets, int bracket, int reductionFactor)
    {
        var s = brackets - 1 - bracket;
        return (long)Math.Ceiling(brackets * Math.Pow(reductionFactor, s) / (s + 1));
    }
}
