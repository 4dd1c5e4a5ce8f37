using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>How a training run ended.</summary>
/// <param name="BestStep">the step whose model is in <see cref="BestModelFolder"/></param>
/// <param name="BestMetrics">validation figures of that model</param>
/// <param name="LastStep">optimizer steps done</param>
/// <param name="TotalSteps">steps planned (max_steps, or epochs x steps per epoch)</param>
/// <param name="Epochs">epochs done, fractional</param>
/// <param name="StoppedEarly">whether early_stopping_patience ended the run before <see cref="TotalSteps"/></param>
/// <param name="Seconds">training time summed over the sessions of the run (time after a session's last checkpoint is not counted)</param>
/// <param name="ResumedFromStep">the checkpoint step this session started from, null for a fresh start, <see cref="LastStep"/> for a run that had already finished</param>
public sealed record TrainingResult(int BestStep, ClassificationMetrics BestMetrics, int LastStep, int TotalSteps, double Epochs, bool StoppedEarly,
    double Seconds, int? ResumedFromStep, string BestModelFolder, string HistoryPath)
{
    internal const string FileName = "training_result.json";

    internal JsonObject ToJson(string fingerprint) => new()
    {
        ["fingerprint"] = fingerprint,
        ["best_step"] = BestStep,
        ["best_metrics"] = BestMetrics.ToJson(),
        ["last_step"] = LastStep,
        ["total_steps"] = TotalSteps,
        ["epochs"] = Epochs,
        ["stopped_early"] = StoppedEarly,
        ["seconds"] = Seconds,
    };

    internal static TrainingResult FromJson(JsonObject json, string bestModelFolder, string historyPath) => new(
        json["best_step"]!.GetValue<int>(),
        ClassificationMetrics.FromJson(json["best_metrics"]!.AsObject()),
        json["last_step"]!.GetValue<int>(),
        json["total_steps"]!.GetValue<int>(),
        json["epochs"]!.GetValue<double>(),
        json["stopped_early"]!.GetValue<bool>(),
        json["seconds"]!.GetValue<double>(),
        json["last_step"]!.GetValue<int>(),
        bestModelFolder,
        historyPath);
}
