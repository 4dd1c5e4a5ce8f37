using System.Globalization;
using System.Text;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tracking;

/// <summary>
/// Reads the runs of one experiment from an mlruns folder as MLflow's FileStore does (mlflow/store/tracking/file_store.py):
/// experiments are the root's folders but .trash and models; runs are an experiment's folders but tags, datasets, traces
/// and models; params/, tags/ and metrics/ hold one file per key ('/' in a key is a folder); deleted runs are skipped.
/// </summary>
internal static class MlflowFileStoreRunReader
{
    private static readonly string[] NonExperimentFolders = [".trash", "models"];
    private static readonly string[] NonRunFolders = ["tags", "datasets", "traces", "models"];

    public static IReadOnlyList<RunRecord> Read(string root, string experimentName, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
        {
            throw new TrackingException($"The MLflow file store '{root}' does not exist: no run has been tracked there yet (or set tracking.uri / MLFLOW_TRACKING_URI to where they are).", "RESOURCE_DOES_NOT_EXIST");
        }

        var experiments = Directory.EnumerateDirectories(root)
            .Where(folder => !NonExperimentFolders.Contains(Path.GetFileName(folder)) && !Path.GetFileName(folder).StartsWith('.'))
            .Select(folder => (Folder: folder, Meta: ReadMeta(folder)))
            .Where(e => e.Meta is not null && e.Meta.GetValueOrDefault("lifecycle_stage") is null or "active")
            .ToList();
        var experiment = experiments.FirstOrDefault(e => e.Meta!.GetValueOrDefault("name") == experimentName);
        if (experiment.Folder is null)
        {
            var names = experiments.Select(e => e.Meta!.GetValueOrDefault("name")).Where(n => n is not null).Order(StringComparer.Ordinal);
            throw new TrackingException($"The MLflow file store '{root}' has no experiment named '{experimentName}'; it has: {string.Join(", ", names.Select(n => $"'{n}'"))}.", "RESOURCE_DOES_NOT_EXIST");
        }

        var experimentId = Path.GetFileName(experiment.Folder);
        var runs = new List<RunRecord>();
        foreach (var folder in Directory.EnumerateDirectories(experiment.Folder).Where(f => !NonRunFolders.Contains(Path.GetFileName(f))))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ReadMeta(folder) is not { } meta || meta.GetValueOrDefault("lifecycle_stage") is not (null or "active"))
            {
                continue;
            }

            runs.Add(ReadRun(folder, meta, experimentId));
        }

        return [.. runs.OrderBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    private static RunRecord ReadRun(string folder, Dictionary<string, string?> meta, string experimentId)
    {
        var tags = ReadValues(Path.Combine(folder, "tags"));
        var histories = new Dictionary<string, IReadOnlyList<Metric>>(StringComparer.Ordinal);
        foreach (var (key, text) in ReadValues(Path.Combine(folder, "metrics")))
        {
            histories[key] = ParseMetricLines(key, text, Path.Combine(folder, "metrics", key));
        }

        var runId = meta.GetValueOrDefault("run_id") ?? meta.GetValueOrDefault("run_uuid") ?? Path.GetFileName(folder);
        return new RunRecord
        {
            RunId = runId,
            ExperimentId = experimentId,
            Name = meta.GetValueOrDefault("run_name") is { Length: > 0 } name ? name : tags.GetValueOrDefault(TrackingTags.RunName) ?? runId,
            Status = int.TryParse(meta.GetValueOrDefault("status"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var status) ? (RunStatus)status : RunStatus.Running,
            StartTime = DateTimeOffset.FromUnixTimeMilliseconds(Long(meta.GetValueOrDefault("start_time")) ?? 0),
            EndTime = Long(meta.GetValueOrDefault("end_time")) is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
            Params = ReadValues(Path.Combine(folder, "params")),
            Tags = tags,
            MetricHistories = histories,
            Metrics = RunHistories.Latest(histories),
            ModelOutputs = ReadModelOutputs(folder),
        };
    }

    // file_store.py _get_model_outputs: each outputs/<id>/meta.yaml whose destination_type is MODEL_OUTPUT names destination_id at its step.
    private static List<LoggedModelOutput> ReadModelOutputs(string runFolder)
    {
        var outputs = new List<LoggedModelOutput>();
        var parent = Path.Combine(runFolder, MlflowFileStore.OutputsFolderName);
        if (!Directory.Exists(parent))
        {
            return outputs;
        }

        foreach (var folder in Directory.EnumerateDirectories(parent).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(folder, "meta.yaml");
            if (!File.Exists(path))
            {
                continue;
            }

            // A model output's meta.yaml is a few lines; a large one is not MLflow's.
            if (new FileInfo(path).Length > MaxOutputMetaBytes)
            {
                throw new TrackingException($"Run output '{path}' has {new FileInfo(path).Length} bytes; an MLflow output meta.yaml has at most {MaxOutputMetaBytes}.", "INVALID_STATE");
            }

            var meta = MlflowYaml.ReadScalars(ReadShared(path));
            if (meta.GetValueOrDefault("destination_type") == "MODEL_OUTPUT" && meta.GetValueOrDefault("destination_id") is { Length: > 0 } modelId)
            {
                outputs.Add(new LoggedModelOutput(modelId, Long(meta.GetValueOrDefault("step")) ?? 0));
            }
        }

        return outputs;
    }

    private const int MaxOutputMetaBytes = 64 * 1024;

    private static List<Metric> ParseMetricLines(string key, string text, string path)
    {
        var points = new List<Metric>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length is not (2 or 3) || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var timestamp))
            {
                throw new TrackingException($"Metric file '{path}' has a malformed line '{line}': expected '<timestamp ms> <value> <step>'.", "INTERNAL_ERROR");
            }

            var step = parts.Length == 3 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
            points.Add(new Metric(key, PythonFloat(parts[1]), timestamp, step));
        }

        return RunHistories.Ordered(points);
    }

    private static Dictionary<string, string> ReadValues(string folder) =>
        !Directory.Exists(folder)
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(file => !Path.GetFileName(file).StartsWith(".tmp-", StringComparison.Ordinal))
                .ToDictionary(file => Path.GetRelativePath(folder, file).Replace('\\', '/'), file => ReadShared(file), StringComparer.Ordinal);

    // A running training appends to its metric files while we read.
    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static Dictionary<string, string?>? ReadMeta(string folder)
    {
        var path = Path.Combine(folder, "meta.yaml");
        return File.Exists(path) ? MlflowYaml.ReadScalars(ReadShared(path)) : null;
    }

    private static long? Long(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double PythonFloat(string text) => text.ToLowerInvariant() switch
    {
        "nan" or "+nan" or "-nan" => double.NaN,
        "inf" or "+inf" or "infinity" or "+infinity" => double.PositiveInfinity,
        "-inf" or "-infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
