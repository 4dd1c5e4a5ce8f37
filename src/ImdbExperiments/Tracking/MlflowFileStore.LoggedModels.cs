using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Tracking;

/// <summary>
/// MLflow 3 LoggedModels in the file store, in the layout of file_store.py's create_logged_model and friends:
/// <code>
/// mlruns/&lt;experiment_id&gt;/models/&lt;model_id&gt;/meta.yaml     LoggedModel.to_dictionary() without params, tags, metrics
///                                      params/&lt;key&gt;, tags/&lt;key&gt;  raw values
///                                      metrics/&lt;key&gt;           "&lt;timestamp&gt; &lt;value&gt; &lt;step&gt; &lt;run_id&gt; &lt;dataset_name&gt; &lt;dataset_digest&gt;"
///                                      artifacts/...
/// mlruns/&lt;experiment_id&gt;/&lt;run_id&gt;/outputs/&lt;model_id&gt;/meta.yaml   the run's log_outputs: RUN_OUTPUT -> MODEL_OUTPUT, step
/// </code>
/// </summary>
public sealed partial class MlflowFileStore
{
    private const string ModelsFolderName = "models";

    public Task<LoggedModelInfo> CreateLoggedModelAsync(string experimentId, string name, string sourceRunId, string? modelType, CancellationToken cancellationToken = default)
    {
        var experimentFolder = ActiveExperimentFolder(experimentId);
        var experiment = ReadMeta(experimentFolder)
            ?? throw new TrackingException($"Experiment '{experimentId}' has no readable meta.yaml in '{experimentFolder}'.", "INVALID_STATE");
        FindRunFolder(sourceRunId);
        var modelId = "m-" + Guid.NewGuid().ToString("N");
        var modelFolder = Path.Combine(experimentFolder, ModelsFolderName, modelId);
        Directory.CreateDirectory(modelFolder);
        var artifactLocation = (experiment.GetValueOrDefault("artifact_location") ?? ToFileUri(experimentFolder)).TrimEnd('/') + $"/{ModelsFolderName}/{modelId}/artifacts";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        WriteAtomically(Path.Combine(modelFolder, "meta.yaml"), MlflowYaml.Write(
        [
            new("artifact_location", artifactLocation),
            new("creation_timestamp", now),
            new("experiment_id", experimentId),
            new("last_updated_timestamp", now),
            new("model_id", modelId),
            new("model_type", modelType),
            new("name", name),
            new("source_run_id", sourceRunId),
            new("status", "PENDING"),
            new("status_message", null),
        ]), modelFolder);
        foreach (var folder in new[] { "params", "tags", "metrics", "artifacts" })
            Directory.CreateDirectory(Path.Combine(modelFolder, folder));
        return Task.FromResult(new LoggedModelInfo(modelId, experimentId, name, artifactLocation, sourceRunId));
    }

    public Task LogLoggedModelParamsAsync(string modelId, IReadOnlyList<Param> parameters, CancellationToken cancellationToken = default)
    {
        var modelFolder = FindModelFolder(modelId);
        foreach (var param in parameters)
        {
            var path = Path.Combine(modelFolder, "params", KeyPath(param.Key));
            if (File.Exists(path))
                continue; // first value wins, as for a run's params
            WriteAtomically(path, param.Value, modelFolder);
        }
        return Task.CompletedTask;
    }

    public Task SetLoggedModelTagsAsync(string modelId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var modelFolder = FindModelFolder(modelId);
        foreach (var tag in tags)
            WriteAtomically(Path.Combine(modelFolder, "tags", KeyPath(tag.Key)), tag.Value, modelFolder);
        return Task.CompletedTask;
    }

    // The run already holds these points (the recorder logged them to the run first); only the model's copy is written.
    public Task LogLoggedModelMetricsAsync(string runId, string modelId, IReadOnlyList<Metric> metrics, string? datasetName, string? datasetDigest, CancellationToken cancellationToken = default)
    {
        var modelFolder = FindModelFolder(modelId);
        foreach (var group in metrics.GroupBy(metric => metric.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(modelFolder, "metrics", KeyPath(group.Key));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var existing = File.Exists(path) ? File.ReadAllText(path, Utf8) : "";
            var lines = new StringBuilder();
            foreach (var metric in group)
            {
                var line = string.Create(CultureInfo.InvariantCulture, $"{metric.TimestampMs} {PythonFloat.Repr(metric.Value)} {metric.Step} {runId} {datasetName ?? ""} {datasetDigest ?? ""}").TrimEnd() + "\n";
                // A replay after a crash must not add the same point twice.
                if (!existing.Contains(line, StringComparison.Ordinal))
                    lines.Append(line);
            }
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            stream.Write(Utf8.GetBytes(lines.ToString()));
        }
        return Task.CompletedTask;
    }

    public Task LogLoggedModelArtifactsAsync(LoggedModelInfo model, string localFolder, CancellationToken cancellationToken = default)
    {
        var root = FileUriToPath(model.ArtifactUri)
            ?? throw new TrackingException($"Model {model.ModelId} stores artifacts at '{model.ArtifactUri}', which is not a local folder; the file store can only write local artifacts.", DeferredArtifacts.UnreachableErrorCode);
        var scratch = FindModelFolder(model.ModelId);
        foreach (var file in Directory.EnumerateFiles(localFolder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Path.GetFileName(file).StartsWith('.'))
                CopyAtomically(file, Path.Combine(root, Path.GetRelativePath(localFolder, file)), scratch);
        }
        return Task.CompletedTask;
    }

    public Task FinalizeLoggedModelAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var modelFolder = FindModelFolder(modelId);
        var meta = ReadMeta(modelFolder) ?? throw new TrackingException($"Model folder '{modelFolder}' has no readable meta.yaml.", "INVALID_STATE");
        meta["status"] = "READY";
        meta["last_updated_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        WriteAtomically(Path.Combine(modelFolder, "meta.yaml"), MlflowYaml.Write(meta.Select(pair => new KeyValuePair<string, object?>(pair.Key,
            pair.Key is "creation_timestamp" or "last_updated_timestamp" && long.TryParse(pair.Value, CultureInfo.InvariantCulture, out var number) ? number : pair.Value))), modelFolder);
        return Task.CompletedTask;
    }

    /// <summary>
    /// log_outputs as file_store.py writes it: outputs/&lt;model_id&gt;/meta.yaml in the run's folder, written once (a model the run
    /// already lists is left as it is). Its _FileStoreOutput.write_yaml puts the model id in source_id and destination_id both.
    /// </summary>
    public Task LogOutputsAsync(string runId, IReadOnlyList<LoggedModelOutput> models, CancellationToken cancellationToken = default)
    {
        var runFolder = ActiveRunFolder(runId);
        foreach (var model in models)
        {
            // The id names a folder: only MLflow's m-<hex> spelling is taken.
            if (!ModelIdPattern().IsMatch(model.ModelId))
                throw Invalid($"Invalid model ID: '{model.ModelId}'.");
            var outputFolder = Path.Combine(runFolder, OutputsFolderName, model.ModelId);
            Directory.CreateDirectory(outputFolder);
            WriteIfMissing(Path.Combine(outputFolder, "meta.yaml"), runFolder, MlflowYaml.Write(
            [
                new("destination_id", model.ModelId),
                new("destination_type", "MODEL_OUTPUT"),
                new("source_id", model.ModelId),
                new("source_type", "RUN_OUTPUT"),
                new("step", model.Step),
                new("tags", (IReadOnlyList<KeyValuePair<string, string>>)[]),
            ]));
        }
        return Task.CompletedTask;
    }

    internal const string OutputsFolderName = "outputs";

    private string FindModelFolder(string modelId)
    {
        if (!ModelIdPattern().IsMatch(modelId))
            throw Invalid($"Invalid model ID: '{modelId}'.");
        foreach (var experiment in ExperimentFolders(RootDirectory))
        {
            var folder = Path.Combine(experiment, ModelsFolderName, modelId);
            if (File.Exists(Path.Combine(folder, "meta.yaml")))
                return folder;
        }
        throw new TrackingException($"Logged model '{modelId}' not found in '{RootDirectory}'.", "RESOURCE_DOES_NOT_EXIST", 404);
    }

    [GeneratedRegex(@"^m-[0-9a-zA-Z]{1,64}$")]
    private static partial Regex ModelIdPattern();
}
