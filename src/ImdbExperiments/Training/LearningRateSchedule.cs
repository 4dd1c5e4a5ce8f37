using ImdbExperiments.Specs;

namespace ImdbExperiments.Training;

/// <summary>
/// Hugging Face's schedules with warmup (get_linear / get_cosine / get_constant_schedule_with_warmup): the factor
/// that multiplies the peak learning rate. The update of optimizer step s (1-based) uses <c>Factor(s - 1)</c>, as
/// LambdaLR does, so with warmup the very first update has rate 0.
/// </summary>
public sealed record LearningRateSchedule(LrScheduler Kind, int TotalSteps, int WarmupSteps)
{
    /// <summary>warmup_steps when set, else ceil(warmup_ratio x total steps), as Hugging Face's TrainingArguments.</summary>
    public static LearningRateSchedule For(TrainingSpec spec, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        var warmup = spec.WarmupSteps ?? (int)Math.Ceiling(totalSteps * spec.WarmupRatio);
        return new LearningRateSchedule(spec.LrScheduler, totalSteps, warmup);
    }

    /// <summary>The multiplier of the peak rate after <paramref name="completedSteps"/> optimizer steps.</summary>
    public double Factor(int completedSteps)
    {
        if (completedSteps < WarmupSteps)
            return (double)completedSteps / Math.Max(1, WarmupSteps);
        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = (double)(completedSteps - WarmupSteps) / decaySteps;
        return Kind switch
        {
            LrScheduler.Linear => Math.Max(0.0, (double)(TotalSteps - completedSteps) / decaySteps),
            LrScheduler.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            LrScheduler.Constant => 1.0,
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "training.lr_scheduler must be linear, cosine or constant."),
        };
    }
}
