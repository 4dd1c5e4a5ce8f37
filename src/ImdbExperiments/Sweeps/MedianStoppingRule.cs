using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// The median stopping rule as Optuna's MedianPruner applies it (PercentilePruner at the 50th percentile, n_min_trials = 1):
/// after evaluation k (counting from 1) of a trial, with k at least <c>minEvaluations</c> (Optuna's n_warmup_steps + 1, as
/// Optuna counts steps from 0), stop
/// the trial when its best value so far is strictly worse than the median of the other trials' values at evaluation k.
/// Only other trials that reached evaluation k with a value count (NaN ones are ignored, like numpy's nanpercentile), and
/// at least <c>minTrials</c> of them must; a trial whose values so far are all NaN is stopped.
/// Differences from Optuna: there is no n_startup_trials (the <c>minTrials</c> trials reaching evaluation k play that part),
/// and evaluations are matched by their order, not by a training step number.
/// </summary>
public static class MedianStoppingRule
{
    /// <param name="trialHistory">The running trial's metric after each evaluation so far.</param>
    /// <param name="otherTrialsHistories">Each finished trial's metric after each of its evaluations.</param>
    public static bool ShouldStop(IReadOnlyList<double> trialHistory, IEnumerable<IReadOnlyList<double>> otherTrialsHistories, int minEvaluations, SweepGoal goal, int minTrials = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minTrials);
        var step = trialHistory.Count - 1;
        if (trialHistory.Count == 0 || trialHistory.Count < minEvaluations)
        {
            return false;
        }

        var finite = trialHistory.Where(v => !double.IsNaN(v)).ToList();
        if (finite.Count == 0)
        {
            return true;
        }

        var atStep = otherTrialsHistories.Where(h => h.Count > step && !double.IsNaN(h[step])).Select(h => h[step]).Order().ToList();
        if (atStep.Count < minTrials)
        {
            return false;
        }

        var median = atStep.Count % 2 == 1 ? atStep[atStep.Count / 2] : (atStep[atStep.Count / 2 - 1] + atStep[atStep.Count / 2]) / 2;
        return goal == SweepGoal.Maximize ? finite.Max() < median : finite.Min() > median;
    }
}
