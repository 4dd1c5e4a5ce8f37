using ImdbExperiments.Specs;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(6, 0.5)]
    [InlineData(9, 0.125)]
    [InlineData(10, 0.0)]
    public void Linear_WarmsUpThenDecaysToZero(int completedSteps, double expected) =>
        Assert.Equal(expected, new LearningRateSchedule(LrScheduler.Linear, TotalSteps: 10, WarmupSteps: 2).Factor(completedSteps), 12);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(5, 0.5)]
    [InlineData(10, 0.0)]
    public void Cosine_FollowsHalfACosineWave(int completedSteps, double expected) =>
        Assert.Equal(expected, new LearningRateSchedule(LrScheduler.Cosine, TotalSteps: 10, WarmupSteps: 0).Factor(completedSteps), 12);

    [Fact]
    public void Cosine_AfterWarmup_IsAQuarterTwoThirdsIntoTheDecay() =>
        // 4 of 6 decay steps done: 0.5 * (1 + cos(2pi/3)) = 0.25.
        Assert.Equal(0.25, new LearningRateSchedule(LrScheduler.Cosine, TotalSteps: 8, WarmupSteps: 2).Factor(6), 12);

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(2, 0.5)]
    [InlineData(4, 1.0)]
    [InlineData(7, 1.0)]
    public void Constant_WarmsUpThenStaysAtThePeak(int completedSteps, double expected) =>
        Assert.Equal(expected, new LearningRateSchedule(LrScheduler.Constant, TotalSteps: 10, WarmupSteps: 4).Factor(completedSteps), 12);

    [Fact]
    public void For_RoundsTheWarmupRatioUp() =>
        Assert.Equal(3, LearningRateSchedule.For(new TrainingSpec { WarmupRatio = 0.1 }, totalSteps: 25).WarmupSteps);

    [Fact]
    public void For_PrefersWarmupStepsOverTheRatio() =>
        Assert.Equal(1, LearningRateSchedule.For(new TrainingSpec { WarmupRatio = 0.5, WarmupSteps = 1 }, totalSteps: 25).WarmupSteps);

    [Fact]
    public void Linear_WithoutWarmup_StartsAtThePeak() =>
        Assert.Equal(1.0, new LearningRateSchedule(LrScheduler.Linear, TotalSteps: 4, WarmupSteps: 0).Factor(0));
}
