using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>
/// One line of history.jsonl, the one vocabulary of a run's curves: the trainer writes it, and the run record, a cache-hit
/// replay, the sweep's early stopping and the report all read it, so live and replayed curves have the same keys, steps,
/// values and timestamps.
/// </summary>
/// <param name="TimestampMs">when the line was written, ms since the Unix epoch: the MLflow timestamp of its points</param>
public abstract record HistoryEntry(int Step, double Epoch, long TimestampMs)
{
    /// <summary>The fractional epoch, logged at every logged step so curves of different batch sizes share an axis.</summary>
    public const string EpochMetric = "epoch";

    /// <summary>The entry's MLflow metrics (name, value), epoch included; each name is spelled here and nowhere else.</summary>
    public abstract IReadOnlyList<KeyValuePair<string, double>> Metrics();

    /// <summary>The line as history.jsonl holds it: timing fields, then the timestamp, last.</summary>
    public abstract JsonObject ToJson();

    /// <summary>Reads a line; null for a line that is neither kind (a newer writer's), so readers skip it.</summary>
    public static HistoryEntry? FromJson(JsonObject line)
    {
        var step = (int)Number(line["step"]);
        var epoch = Number(line["epoch"]);
        var timestamp = line["timestamp"] is JsonValue t && t.GetValueKind() == JsonValueKind.Number ? t.GetValue<long>() : 0;
        if (line.ContainsKey("eval_accuracy"))
            return new EvaluationEntry(step, epoch, timestamp,
                // Every eval_ figure in line order: the two-class names, or a multi-class line's averages.
                line.Where(p => p.Key.StartsWith("eval_", StringComparison.Ordinal) && p.Key != "eval_seconds")
                    .Select(p => KeyValuePair.Create(p.Key["eval_".Length..], Number(p.Value))).ToArray(),
                line["is_best"] is JsonValue best && best.GetValueKind() is JsonValueKind.True, Number(line["eval_seconds"]));
        if (line.ContainsKey("loss"))
            return new TrainStepEntry(step, epoch, timestamp, Number(line["loss"]), Number(line["learning_rate"]), Number(line["grad_norm"]),
                Number(line["examples_per_second"]));
        return null;
    }

    /// <summary>A JSON number as a double; null (how a NaN is written) and a missing field read as NaN.</summary>
    protected static double Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture)
            : double.NaN;
}
