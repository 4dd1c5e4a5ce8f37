using ImdbExperiments.Training;

namespace ImdbExperiments.Stages;

/// <summary>What the train stage tells whoever watches it (the CLI's progress bar, the tracking run).</summary>
public interface ITrainingObserver
{
    void Started(int totalSteps, int? resumedFromStep);
    void Step(TrainingProgress progress);
    void Evaluation(EvaluationRecord evaluation);
}
