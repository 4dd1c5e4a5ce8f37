using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

// Hand-worked against optuna/pruners/_successive_halving.py: rung r at min_resource * eta^(min_early_stopping_rate + r);
// a trial at a rung competes with every value recorded there plus its own, and is promoted when it is within the best
// max(len(competing) // eta - 1, 0) + 1 of them (_is_trial_promotable_to_next_rung; ties are promoted).
public sealed class SuccessiveHalvingRuleTests
{
    private static readonly IReadOnlyList<double>[] FiveAtRungZero = [[0.5], [0.6], [0.7], [0.8], [0.9]];

    [Fact]
    public void TrialOutsideTheTopThird_IsStoppedAtTheRung()
    {
        // Six values at rung 0 (eta 3): the best 6 // 3 = 2 go on; 0.75 is fourth.
        Assert.True(SuccessiveHalvingRule.ShouldStop([0.75], FiveAtRungZero, SweepGoal.Maximize));
    }

    [Fact]
    public void TrialInTheTopThird_IsPromoted_AndATieCounts()
    {
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.85], FiveAtRungZero, SweepGoal.Maximize));
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.8], FiveAtRungZero, SweepGoal.Maximize)); // second of six, tied with 0.8
    }

    [Fact]
    public void FirstTrialsOfARung_GoOnOnlyAsTheBestThere()
    {
        // Two values, 2 // 3 - 1 = -1: Optuna promotes only the best, as it cannot pause the trial until more arrive.
        Assert.True(SuccessiveHalvingRule.ShouldStop([0.8], [[0.9]], SweepGoal.Maximize));
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.95], [[0.9]], SweepGoal.Maximize));
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.1], [], SweepGoal.Maximize));
    }

    [Fact]
    public void BetweenRungs_NoTrialIsStopped()
    {
        // Rungs at 1, 3, 9 evaluations: after 2 nothing is decided, however bad the trial.
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.95, 0.0], [[0.9, 0.9, 0.9], [0.9, 0.9, 0.9]], SweepGoal.Maximize));
    }

    [Fact]
    public void AtALaterRung_OnlyTrialsThatReachedItCompete()
    {
        // Rung 1 is at 3 evaluations: the one-evaluation trials were stopped at rung 0 and do not count there.
        IReadOnlyList<double>[] others = [[0.9, 0.9, 0.9], [0.1], [0.1], [0.1]];
        Assert.True(SuccessiveHalvingRule.ShouldStop([0.9, 0.8, 0.8], others, SweepGoal.Maximize));
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.9, 0.8, 0.95], others, SweepGoal.Maximize));
    }

    [Fact]
    public void MinEarlyStoppingRate_MovesTheFirstRung()
    {
        // Rate 1: rungs at 3 and 9, so a bad trial survives its first evaluation and is judged at the third.
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.1], FiveAtRungZero, SweepGoal.Maximize, minEarlyStoppingRate: 1));
        Assert.True(SuccessiveHalvingRule.ShouldStop([0.1, 0.1, 0.1], [[0.9, 0.9, 0.9]], SweepGoal.Maximize, minEarlyStoppingRate: 1));
        Assert.Equal([2, 4, 8], SuccessiveHalvingRule.Rungs(minResource: 2, reductionFactor: 2, minEarlyStoppingRate: 0, maxResource: 9));
    }

    [Fact]
    public void Minimize_KeepsTheSmallestValues()
    {
        Assert.False(SuccessiveHalvingRule.ShouldStop([0.55], FiveAtRungZero, SweepGoal.Minimize));
        Assert.True(SuccessiveHalvingRule.ShouldStop([0.65], FiveAtRungZero, SweepGoal.Minimize));
    }

    [Fact]
    public void NanAtARung_StopsTheTrial()
    {
        Assert.True(SuccessiveHalvingRule.ShouldStop([double.NaN], [], SweepGoal.Maximize));
    }
}
