using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ImdbExperiments.Training;

/// <summary>Predictions for every example of a split, in file order, and the metrics they give.</summary>
public sealed record EvaluationResult(IReadOnlyList<ExamplePrediction> Predictions, ClassificationMetrics Metrics)
{
    public const string PredictionsFileName = "predictions.csv";
    public const string MetricsFileName = "metrics.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2, NewLine = "\n" };

    /// <summary>
    /// predictions.csv: header "id,label,predicted,probability", one row per example in file order, "\n" line ends,
    /// probability as the shortest decimal that reads back as the same double (invariant culture), ids quoted per
    /// RFC 4180 only when they hold a comma, quote or line break. Written to a temporary file, then renamed.
    /// More than two classes (<see cref="Metrics"/> names them): "id,label,predicted,score,probability_&lt;name&gt;..." with
    /// label and predicted as class names, score the predicted class's probability, then one probability per class.
    /// </summary>
    public Task WritePredictionsCsvAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!Metrics.IsBinary)
            return WriteAtomicallyAsync(path, MulticlassCsv(), cancellationToken);
        var text = new StringBuilder("id,label,predicted,probability\n");
        foreach (var p in Predictions)
        {
            text.Append(CsvField(p.Id)).Append(',')
                .Append(p.Label.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(p.Predicted.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(p.Probability.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return WriteAtomicallyAsync(path, text.ToString(), cancellationToken);
    }

    private string MulticlassCsv()
    {
        var names = Metrics.PerClass.Select(c => c.Label).ToArray();
        var text = new StringBuilder("id,label,predicted,score");
        foreach (var name in names)
            text.Append(',').Append(CsvField("probability_" + name));
        text.Append('\n');
        foreach (var p in Predictions)
        {
            text.Append(CsvField(p.Id)).Append(',').Append(CsvField(names[p.Label])).Append(',').Append(CsvField(names[p.Predicted])).Append(',')
                .Append(p.Probability.ToString("R", CultureInfo.InvariantCulture));
            foreach (var probability in p.Probabilities)
                text.Append(',').Append(probability.ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>metrics.json: <see cref="ClassificationMetrics.ToJson"/>, indented, written to a temporary file, then renamed.</summary>
    public Task WriteMetricsJsonAsync(string path, CancellationToken cancellationToken = default) =>
        WriteAtomicallyAsync(path, Metrics.ToJson().ToJsonString(Indented) + "\n", cancellationToken);

    internal static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllTextAsync(temp, text, new UTF8Encoding(false), cancellationToken);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
