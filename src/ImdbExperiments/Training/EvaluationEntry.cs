using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>
/// An evaluation on the validation split: the summary figures and, for two classes, the confusion counts, by their history
/// names ("accuracy", "tn"); more than two classes log the summary with its micro and weighted averages instead of counts.
/// </summary>
public sealed record EvaluationEntry(int Step, double Epoch, long TimestampMs, IReadOnlyList<KeyValuePair<string, double>> Figures, bool IsBest, double EvalSeconds)
    : HistoryEntry(Step, Epoch, TimestampMs)
{
    public const string MetricPrefix = "validation/";

    /// <summary>The figures a two-class evaluation line holds, in their order on the line.</summary>
    public static readonly IReadOnlyList<string> FigureNames = ["loss", "accuracy", "precision", "recall", "f1", "roc_auc", "tn", "fp", "fn", "tp"];

    public static EvaluationEntry From(EvaluationRecord evaluation, long timestampMs)
    {
        var metrics = evaluation.Metrics;
        var m = metrics.ConfusionMatrix;
        IEnumerable<KeyValuePair<string, double>> counts = metrics.IsBinary ? [new("tn", m[0][0]), new("fp", m[0][1]), new("fn", m[1][0]), new("tp", m[1][1])] : [];
        var figures = metrics.Summary().Select(f => KeyValuePair.Create(f.Name, f.Value)).Concat(counts).ToArray();
        return new EvaluationEntry(evaluation.Step, evaluation.Epoch, timestampMs, figures, evaluation.IsBest, Math.Round(evaluation.Duration.TotalSeconds, 3));
    }

    /// <summary>The value of one figure by its history name ("f1"), or by its metric name ("validation/f1"); NaN when absent.</summary>
    public double Get(string name)
    {
        var figure = name.StartsWith(MetricPrefix, StringComparison.Ordinal) ? name[MetricPrefix.Length..] : name;
        return Figures.FirstOrDefault(f => f.Key == figure) is { Key: not null } found ? found.Value : double.NaN;
    }

    public override IReadOnlyList<KeyValuePair<string, double>> Metrics() =>
        [.. Figures.Select(f => KeyValuePair.Create(MetricPrefix + f.Key, f.Value)), new(EpochMetric, Epoch)];

    public override JsonObject ToJson()
    {
        var line = new JsonObject { ["step"] = Step, ["epoch"] = Epoch };
        foreach (var (name, value) in Figures)
            line["eval_" + name] = ClassificationMetrics.Number(value);
        line["is_best"] = IsBest;
        line["eval_seconds"] = EvalSeconds;
        line["timestamp"] = TimestampMs;
        return line;
    }
}
