using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>Everything besides tensors that a resumed run needs to continue exactly where a checkpoint left off.</summary>
internal sealed class TrainerState
{
    public const int FormatVersion = 1;

    /// <summary>Optimizer steps done.</summary>
    public int Step { get; set; }
    /// <summary>Epoch of the next batch (0-based).</summary>
    public int Epoch { get; set; }
    /// <summary>Index of the next batch within <see cref="Epoch"/>'s batch order.</summary>
    public int NextBatch { get; set; }
    /// <summary>Length of history.jsonl after this step's lines.</summary>
    public long HistoryBytes { get; set; }
    public int? BestStep { get; set; }
    public double BestValue { get; set; } = double.NaN;
    public ClassificationMetrics? BestMetrics { get; set; }
    public int EvaluationsWithoutImprovement { get; set; }
    public int LastEvaluatedStep { get; set; }
    /// <summary>Steps, summed step losses and examples since the last logged line.</summary>
    public int WindowSteps { get; set; }
    public double WindowLoss { get; set; }
    public long WindowExamples { get; set; }
    /// <summary>Training time of earlier sessions up to this state.</summary>
    public double ElapsedSeconds { get; set; }

    public JsonObject ToJson(string fingerprint, int totalSteps) => new()
    {
        ["format"] = FormatVersion,
        ["fingerprint"] = fingerprint,
        ["step"] = Step,
        ["total_steps"] = totalSteps,
        ["epoch"] = Epoch,
        ["next_batch"] = NextBatch,
        ["history_bytes"] = HistoryBytes,
        ["best_step"] = BestStep,
        ["best_value"] = ClassificationMetrics.Number(BestValue),
        ["best_metrics"] = BestMetrics?.ToJson(),
        ["evaluations_without_improvement"] = EvaluationsWithoutImprovement,
        ["last_evaluated_step"] = LastEvaluatedStep,
        ["window"] = new JsonObject { ["steps"] = WindowSteps, ["loss_sum"] = WindowLoss, ["examples"] = WindowExamples },
        ["elapsed_seconds"] = ElapsedSeconds,
    };

    public static TrainerState FromJson(JsonObject json, string source)
    {
        try
        {
            if (json["format"]?.GetValue<int>() != FormatVersion)
                throw new InvalidDataException($"{source}: checkpoint format {json["format"]?.ToJsonString() ?? "missing"}; this build reads format {FormatVersion}.");
            var window = json["window"]!.AsObject();
            return new TrainerState
            {
                Step = json["step"]!.GetValue<int>(),
                Epoch = json["epoch"]!.GetValue<int>(),
                NextBatch = json["next_batch"]!.GetValue<int>(),
                HistoryBytes = json["history_bytes"]!.GetValue<long>(),
                BestStep = json["best_step"]?.GetValue<int>(),
                BestValue = json["best_value"]?.GetValue<double>() ?? double.NaN,
                BestMetrics = json["best_metrics"] is JsonObject best ? ClassificationMetrics.FromJson(best) : null,
                EvaluationsWithoutImprovement = json["evaluations_without_improvement"]!.GetValue<int>(),
                LastEvaluatedStep = json["last_evaluated_step"]!.GetValue<int>(),
                WindowSteps = window["steps"]!.GetValue<int>(),
                WindowLoss = window["loss_sum"]!.GetValue<double>(),
                WindowExamples = window["examples"]!.GetValue<long>(),
                ElapsedSeconds = json["elapsed_seconds"]!.GetValue<double>(),
            };
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: a field is missing or has the wrong type ({e.Message}); the checkpoint is damaged. Delete it to resume from an older one.", e);
        }
    }
}
