using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>A logged training step: the mean loss over the steps since the last logged one, the rate, the gradient norm, the throughput.</summary>
public sealed record TrainStepEntry(int Step, double Epoch, long TimestampMs, double Loss, double LearningRate, double GradNorm, double ExamplesPerSecond)
    : HistoryEntry(Step, Epoch, TimestampMs)
{
    public override IReadOnlyList<KeyValuePair<string, double>> Metrics() =>
    [
        new("train/loss", Loss),
        new("train/learning_rate", LearningRate),
        new("train/grad_norm", GradNorm),
        new("train/examples_per_second", ExamplesPerSecond),
        new(EpochMetric, Epoch),
    ];

    public override JsonObject ToJson() => new()
    {
        ["step"] = Step,
        ["epoch"] = Epoch,
        ["loss"] = ClassificationMetrics.Number(Loss),
        ["learning_rate"] = LearningRate,
        ["grad_norm"] = ClassificationMetrics.Number(GradNorm),
        ["examples_per_second"] = ExamplesPerSecond,
        ["timestamp"] = TimestampMs,
    };
}
