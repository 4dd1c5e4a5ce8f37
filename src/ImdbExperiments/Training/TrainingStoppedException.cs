namespace ImdbExperiments.Training;

/// <summary>Training was cancelled at a step boundary: every step up to <see cref="Step"/> is in the checkpoint, so the same command resumes there.</summary>
public sealed class TrainingStoppedException(int step, int totalSteps, string? checkpointFolder, CancellationToken token)
    : OperationCanceledException(checkpointFolder is null
        ? $"training stopped after step {step} of {totalSteps}"
        : $"training stopped after step {step} of {totalSteps}, checkpoint kept", token)
{
    public int Step { get; } = step;

    public int TotalSteps { get; } = totalSteps;

    /// <summary>The checkpoint holding step <see cref="Step"/>; null when no step had been done.</summary>
    public string? CheckpointFolder { get; } = checkpointFolder;
}
