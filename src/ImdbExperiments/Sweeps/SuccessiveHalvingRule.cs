using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Asynchronous successive halving as Optuna's SuccessiveHalvingPruner applies it (optuna/pruners/_successive_halving.py,
/// bootstrap_count 0): rung r sits at min_resource * eta^(min_early_stopping_rate + r) evaluations; when a trial reaches a
/// rung its current value joins that rung, and it goes on only if it is within the best max(1, floor(k / eta)) of the k
/// values there (its own included; ties go on). A NaN value at a rung stops the trial. The values of the other trials at
/// a rung are their values after that many evaluations: a trial only gets there by being promoted from every lower rung.
/// Resource is counted in evaluations from 1 (Optuna counts the step its trial reports).
/// </summary>
public static class SuccessiveHalvingRule
{
    /// <param name="trialHistory">The running trial's metric after each evaluation so far.</param>
    /// <param name="otherTrialsHistories">The metric after each evaluation of every other trial that reached the rungs (pruned ones too).</param>
    public static bool ShouldStop(IReadOnlyList<double> trialHistory, IEnumerable<IReadOnlyList<double>> otherTrialsHistories, SweepGoal goal,
        int minResource = 1, int reductionFactor = 3, int minEarlyStoppingRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minResource);
        ArgumentOutOfRangeException.ThrowIfLessThan(reductionFactor, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(minEarlyStoppingRate);
        var step = trialHistory.Count;
        if (RungStep(step, minResource, reductionFactor, minEarlyStoppingRate) is not { } rungStep)
        {
            return false;
        }

        var value = trialHistory[step - 1];
        if (double.IsNaN(value))
        {
            return true;
        }

        var competing = otherTrialsHistories.Where(h => h.Count >= rungStep && !double.IsNaN(h[rungStep - 1])).Select(h => h[rungStep - 1]).Append(value).Order().ToList();
        // Optuna promotes the first eta - 1 trials of a rung only if they are the best there: it cannot pause them to wait.
        var promotable = Math.Max(competing.Count / reductionFactor - 1, 0);
        return goal == SweepGoal.Maximize ? value < competing[^(promotable + 1)] : value > competing[promotable];
    }

    /// <summary>The rungs' evaluation counts up to <paramref name="maxResource"/>: min_resource * eta^(rate + r).</summary>
    public static IEnumerable<int> Rungs(int minResource, int reductionFactor, int minEarlyStoppingRate, int maxResource)
    {
        long rung = minResource;
        for (var i = 0; i < minEarlyStoppingRate && rung <= maxResource; i++)
        {
            rung *= reductionFactor;
        }

        for (; rung <= maxResource; rung *= reductionFactor)
        {
            yield return (int)rung;
        }
    }

    /// <summary>The rung at exactly <paramref name="step"/> evaluations, or null when no rung is there.</summary>
    private static int? RungStep(int step, int minResource, int reductionFactor, int minEarlyStoppingRate) =>
        step > 0 && Rungs(minResource, reductionFactor, minEarlyStoppingRate, step).LastOrDefault() is var last && last == step ? step : null;
}
