using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

// Hand-worked against optuna/pruners/_hyperband.py: n_brackets = floor(log_eta(max / min)) + 1; bracket b is a
// SuccessiveHalvingPruner with min_early_stopping_rate = b over the trials of bracket b only, and gets
// ceil(n * eta^s / (s + 1)) (s = n - 1 - b) of the budget that trials are hashed into.
public sealed class HyperbandRuleTests
{
    [Fact]
    public void Brackets_AreTheRungsBetweenMinAndMaxResource()
    {
        Assert.Equal(4, HyperbandRule.Brackets(minResource: 1, maxResource: 27, reductionFactor: 3));
        Assert.Equal(3, HyperbandRule.Brackets(minResource: 1, maxResource: 26, reductionFactor: 3));
        Assert.Equal(1, HyperbandRule.Brackets(minResource: 4, maxResource: 5, reductionFactor: 3));
    }

    [Fact]
    public void TrialsAreAssignedToBracketsDeterministically_MostToTheAggressiveOne()
    {
        var first = Enumerable.Range(0, 490).Select(i => HyperbandRule.BracketOf(i, seed: 7, brackets: 4, reductionFactor: 3)).ToArray();
        var again = Enumerable.Range(0, 490).Select(i => HyperbandRule.BracketOf(i, seed: 7, brackets: 4, reductionFactor: 3)).ToArray();
        var counts = Enumerable.Range(0, 4).Select(b => first.Count(x => x == b)).ToArray();

        Assert.Equal(first, again);
        // Budgets 27, 12, 6, 4 of 49: about 270, 120, 60 and 40 of 490 trials.
        Assert.InRange(counts[0], 230, 310);
        Assert.InRange(counts[1], 90, 150);
        Assert.InRange(counts[3], 20, 60);
    }

    [Fact]
    public void ATrialCompetesOnlyWithinItsBracket_AtItsBracketsRungs()
    {
        const ulong seed = 3;
        var brackets = HyperbandRule.Brackets(1, 9, 3); // rungs 1, 3, 9: three brackets
        var index = Enumerable.Range(0, 100).First(i => HyperbandRule.BracketOf(i, seed, brackets, 3) == 0);
        var lazy = Enumerable.Range(0, 100).First(i => HyperbandRule.BracketOf(i, seed, brackets, 3) == 1);
        var mate = Enumerable.Range(0, 100).First(i => i != index && HyperbandRule.BracketOf(i, seed, brackets, 3) == 0);
        var stranger = Enumerable.Range(0, 100).First(i => HyperbandRule.BracketOf(i, seed, brackets, 3) == 2);
        (int, TrialStatus, IReadOnlyList<double>) Done(int i, double v) => (i, TrialStatus.Completed, Enumerable.Repeat(v, 9).ToArray());

        // Bracket 0 halves at 1 evaluation: worse than its bracket mate, the trial stops; a stranger's value does not count.
        Assert.True(HyperbandRule.ShouldStop(index, [0.5], [Done(mate, 0.9)], SweepGoal.Maximize, seed, maxResource: 9));
        Assert.False(HyperbandRule.ShouldStop(index, [0.5], [Done(stranger, 0.9)], SweepGoal.Maximize, seed, maxResource: 9));
        // Bracket 1 first halves at 3 evaluations.
        Assert.False(HyperbandRule.ShouldStop(lazy, [0.1], [Done(mate, 0.9), Done(stranger, 0.9)], SweepGoal.Maximize, seed, maxResource: 9));
    }

    [Fact]
    public void AutoMaxResource_WaitsForTheFirstCompletedTrial()
    {
        // Optuna's max_resource="auto" prunes nothing until a trial has completed, then uses its steps.
        Assert.False(HyperbandRule.ShouldStop(5, [double.NaN], [(0, TrialStatus.Stopped, [0.9])], SweepGoal.Maximize, seed: 1));
        Assert.True(HyperbandRule.ShouldStop(5, [double.NaN], [(0, TrialStatus.Completed, [0.9])], SweepGoal.Maximize, seed: 1));
    }
}
