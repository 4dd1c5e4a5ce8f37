using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>
/// The run folder <c>artifacts/runs/&lt;run-name&gt;/</c>: what a run leaves for a user to read without MLflow (the resolved
/// spec, the environment, the curves, metrics, predictions, charts and the exported model). Every file is written whole
/// (a temporary, then a rename) with the same bytes for the same inputs, so a cache-hit re-run changes nothing in it.
/// </summary>
public sealed class RunFolder
{
    public const string SpecFileName = "spec.yaml";
    public const string MetricsFileName = "metrics.json";
    public const string EnvironmentFileName = "environment.json";
    public const string LossCurveFileName = "loss_curve.png";
    public const string ConfusionMatrixFileName = "confusion_matrix.png";

    /// <summary>The run folder's files that are logged as the run's artifacts, in this order, when they exist.</summary>
    static readonly string[] ArtifactFileNames = [SpecFileName, MetricsFileName, EnvironmentFileName, TrainingHistory.FileName,
        EvaluationResult.PredictionsFileName, LossCurveFileName, ConfusionMatrixFileName];

    RunFolder(string path) => Path = path;

    public string Path { get; }

    public string ModelFolder => System.IO.Path.Combine(Path, TrainStage.ModelFolder);

    /// <summary>The spec's run folder under <paramref name="artifactsDirectory"/>, created, with its spec.yaml (credentials redacted).</summary>
    public static RunFolder Create(string artifactsDirectory, ResolvedSpec spec, string runName)
    {
        var folder = new RunFolder(System.IO.Path.Combine(artifactsDirectory, "runs", runName));
        Directory.CreateDirectory(folder.Path);
        File.WriteAllText(folder.PathOf(SpecFileName), spec.ToYaml(folder.Path));
        return folder;
    }

    /// <summary>A file of the run folder.</summary>
    public string PathOf(string name) => System.IO.Path.Combine(Path, name);

    public void WriteEnvironment(JsonObject environment) =>
        File.WriteAllText(PathOf(EnvironmentFileName), environment.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>The train stage's history and best model, copied in; the loss curve drawn from that history.</summary>
    public void WriteTrained(StageOutput train, IReadOnlyList<HistoryEntry> history)
    {
        File.Copy(train.PathOf(TrainingHistory.FileName), PathOf(TrainingHistory.FileName), overwrite: true);
        ReplaceDirectory(train.PathOf(TrainStage.ModelFolder), ModelFolder);
        var points = history.OfType<TrainStepEntry>().Where(entry => !double.IsNaN(entry.Loss))
            .Select(entry => ((long)entry.Step, entry.Loss)).ToArray();
        if (points.Length > 0) File.WriteAllBytes(PathOf(LossCurveFileName), RunCharts.LossCurve(points, System.IO.Path.GetFileName(Path)));
    }

    /// <summary>The evaluate stage's predictions, copied in, and its confusion matrix drawn.</summary>
    public void WriteEvaluated(StageOutput evaluate)
    {
        File.Copy(evaluate.PathOf(EvaluationResult.PredictionsFileName), PathOf(EvaluationResult.PredictionsFileName), overwrite: true);
        if (evaluate.Manifest.Summary["test"]?["confusion_matrix"] is JsonArray matrix)
        {
            // Named by the evaluated model's id2label, which the per-class figures carry in class order.
            var names = evaluate.Manifest.Summary["test"]?["per_class"] is JsonObject perClass && perClass.Count == matrix.Count
                ? perClass.Select(p => p.Key).ToArray()
                : HfModelFolder.DefaultLabels;
            var counts = matrix.Select(row => row!.AsArray().Select(n => (long)n!).ToArray()).ToArray();
            File.WriteAllBytes(PathOf(ConfusionMatrixFileName), RunCharts.ConfusionMatrix(counts, names));
        }
    }

    /// <summary>Merges <paramref name="values"/> into metrics.json, written atomically.</summary>
    public void MergeMetrics(JsonObject values)
    {
        var path = PathOf(MetricsFileName);
        var metrics = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : new JsonObject();
        foreach (var (key, value) in values) metrics[key] = value?.DeepClone();
        var temp = path + ".tmp";
        File.WriteAllText(temp, metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The files of this folder that are the run's artifacts, those that exist now.</summary>
    public IEnumerable<string> ArtifactFiles() => ArtifactFileNames.Select(PathOf).Where(File.Exists);

    static void ReplaceDirectory(string source, string destination)
    {
        var temp = destination + ".tmp-" + Guid.NewGuid().ToString("N");
        TrainStage.CopyDirectory(source, temp);
        if (Directory.Exists(destination)) Directory.Delete(destination, recursive: true);
        Directory.Move(temp, destination);
    }
}
