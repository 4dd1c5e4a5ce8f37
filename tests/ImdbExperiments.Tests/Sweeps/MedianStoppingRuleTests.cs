using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class MedianStoppingRuleTests
{
    private static readonly double[][] ThreeFinished = [[0.60, 0.70, 0.80], [0.62, 0.74, 0.84], [0.50, 0.66, 0.70]];

    [Fact]
    public void ATrialBelowTheMedianAtTheSameEvaluation_Stops()
    {
        // Medians of the finished trials: 0.60, 0.70, 0.80.
        Assert.True(MedianStoppingRule.ShouldStop([0.55, 0.60, 0.65], ThreeFinished, minEvaluations: 3, SweepGoal.Maximize));
        Assert.False(MedianStoppingRule.ShouldStop([0.55, 0.60, 0.80], ThreeFinished, minEvaluations: 3, SweepGoal.Maximize));
    }

    [Fact]
    public void BeforeMinEvaluations_NothingStops()
    {
        Assert.False(MedianStoppingRule.ShouldStop([0.1, 0.1], ThreeFinished, minEvaluations: 3, SweepGoal.Maximize));
        Assert.True(MedianStoppingRule.ShouldStop([0.1, 0.1], ThreeFinished, minEvaluations: 2, SweepGoal.Maximize));
        Assert.False(MedianStoppingRule.ShouldStop([], ThreeFinished, minEvaluations: 1, SweepGoal.Maximize));
    }

    [Fact]
    public void TheTrialsBestValueSoFar_IsWhatIsCompared()
    {
        // Last value 0.5 is below the median 0.70 at evaluation 2, but the best so far (0.9) is not.
        Assert.False(MedianStoppingRule.ShouldStop([0.9, 0.5], ThreeFinished, minEvaluations: 1, SweepGoal.Maximize));
    }

    [Fact]
    public void AnEvenNumberOfTrials_UsesTheMeanOfTheMiddleTwo_AndEqualIsNotWorse()
    {
        double[][] two = [[0.6], [0.8]];

        Assert.True(MedianStoppingRule.ShouldStop([0.69], two, minEvaluations: 1, SweepGoal.Maximize));
        Assert.False(MedianStoppingRule.ShouldStop([0.70], two, minEvaluations: 1, SweepGoal.Maximize));
    }

    [Fact]
    public void Minimize_StopsATrialAboveTheMedian()
    {
        double[][] losses = [[0.5, 0.4], [0.6, 0.3], [0.7, 0.2]];

        Assert.True(MedianStoppingRule.ShouldStop([0.9, 0.35], losses, minEvaluations: 2, SweepGoal.Minimize));
        Assert.False(MedianStoppingRule.ShouldStop([0.9, 0.30], losses, minEvaluations: 2, SweepGoal.Minimize));
    }

    [Fact]
    public void OnlyTrialsThatReachedTheEvaluation_WithAValue_Count()
    {
        double[][] others = [[0.9], [0.9, double.NaN], [0.1, 0.2, 0.3]];

        // At evaluation 2 only the third trial has a value (0.2).
        Assert.False(MedianStoppingRule.ShouldStop([0.0, 0.25], others, minEvaluations: 1, SweepGoal.Maximize));
        Assert.True(MedianStoppingRule.ShouldStop([0.0, 0.15], others, minEvaluations: 1, SweepGoal.Maximize));
        // At evaluation 4 nobody has a value: too few trials to judge.
        Assert.False(MedianStoppingRule.ShouldStop([0.0, 0.0, 0.0, 0.0], others, minEvaluations: 1, SweepGoal.Maximize));
        Assert.False(MedianStoppingRule.ShouldStop([0.0, 0.15], others, minEvaluations: 1, SweepGoal.Maximize, minTrials: 2));
    }

    [Fact]
    public void ATrialWithOnlyNaNSoFar_Stops()
    {
        Assert.True(MedianStoppingRule.ShouldStop([double.NaN, double.NaN, double.NaN], ThreeFinished, minEvaluations: 3, SweepGoal.Maximize));
    }
}
