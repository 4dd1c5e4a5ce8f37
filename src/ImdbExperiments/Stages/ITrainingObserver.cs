using ImdbExperiments.Training;

namespace ImdbExperiments.Stages;

/// <summary>What the train stage tells whoever watches it (the CLI's progress bar, the tracking run).</summary>
public interface ITrainingObserver
{
    void Started(int totalSteps, int? resumedFromStep);
    void Step(TrainingProgress progress);
    void Evaluation(EvaluationRecord evaluation);

    /// <summary>A line training wrote to history.jsonl: the points a run records, exactly as a cache-hit replay records them.</summary>
    void Logged(HistoryEntry entry) { }
}
