namespace ImdbExperiments.Training;

/// <summary>Where training stands after an optimizer step, for a progress bar.</summary>
/// <param name="Epoch">epochs done, fractional (1.5 = half way through the second)</param>
/// <param name="Loss">the step's training loss (mean over its batches)</param>
/// <param name="LearningRate">the rate the step's update used</param>
/// <param name="ExamplesPerSecond">training examples per second since this session started (evaluations included)</param>
/// <param name="Eta">estimated time to the last step at the session's pace; null before the first step</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Epoch, double Loss, double LearningRate, double ExamplesPerSecond, TimeSpan Elapsed, TimeSpan? Eta);
