namespace ImdbExperiments.Training;

/// <summary>What the trainer reports while it runs, on the training thread; each is optional.</summary>
public sealed record TrainingCallbacks
{
    /// <summary>After every optimizer step.</summary>
    public Action<TrainingProgress>? Step { get; init; }

    /// <summary>After every evaluation on the validation split.</summary>
    public Action<EvaluationRecord>? Evaluation { get; init; }

    /// <summary>After every line written to history.jsonl, with that line's entry: what the run record logs.</summary>
    public Action<HistoryEntry>? Logged { get; init; }

    /// <summary>Once, when a run resumes: the checkpoint's folder and step.</summary>
    public Action<string, int>? Resumed { get; init; }

    /// <summary>After a checkpoint is written: its folder and step.</summary>
    public Action<string, int>? Checkpointed { get; init; }
}
