using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Tracking;

/// <summary>
/// MLflow's file store (the <c>mlruns/</c> folder), written exactly as mlflow/store/tracking/file_store.py
/// reads it, so that <c>mlflow ui --backend-store-uri ./mlruns</c> shows our runs:
/// <code>
/// mlruns/&lt;experiment_id&gt;/meta.yaml                       experiment (id: 18 random digits; "0" is "Default")
/// mlruns/&lt;experiment_id&gt;/datasets/&lt;md5(name+digest)&gt;/meta.yaml
/// mlruns/&lt;experiment_id&gt;/&lt;run_id&gt;/meta.yaml              run (status 1 RUNNING, 3 FINISHED, 4 FAILED, 5 KILLED)
///                          &lt;run_id&gt;/params/&lt;key&gt;         raw value, no trailing newline ('/' in a key is a folder)
///                          &lt;run_id&gt;/tags/&lt;key&gt;           raw value, no trailing newline
///                          &lt;run_id&gt;/metrics/&lt;key&gt;        lines "&lt;timestamp ms&gt; &lt;Python repr of value&gt; &lt;step&gt;"
///                          &lt;run_id&gt;/inputs/&lt;md5(dataset_id+run_id)&gt;/meta.yaml
///                          &lt;run_id&gt;/artifacts/...
/// </code>
/// Safe for several processes: experiment creation holds a lock file in the root; metric lines are
/// appended with one write each; every other file is written to a temporary file and renamed into place.
/// </summary>
public sealed partial class MlflowFileStore : ITrackingBackend
{
    public const string DefaultExperimentId = "0";
    public const string DefaultExperimentName = "Default";

    private const string TrashFolderName = ".trash";
    private const string LockFileName = ".imdbx-store.lock";
    private static readonly string[] NonExperimentFolders = [TrashFolderName, "models"];
    private static readonly string[] ReservedExperimentFolders = ["tags", "datasets", "traces", "models"];
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Dictionary<string, string> _runFolders = new(StringComparer.Ordinal);
    private readonly Lock _runFoldersLock = new();

    /// <summary>Opens (and on first use creates) the store, with MLflow's default experiment "0".</summary>
    public MlflowFileStore(string rootDirectory)
    {
        RootDirectory = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(RootDirectory);
        using (AcquireLock())
        {
            if (FindExperimentFolder(DefaultExperimentId) is null)
                CreateExperimentFolder(DefaultExperimentId, DefaultExperimentName);
        }
        Directory.CreateDirectory(Path.Combine(RootDirectory, TrashFolderName));
    }

    public string RootDirectory { get; }

    public string DisplayUri => ToFileUri(RootDirectory);

    public Task<string> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MlflowLimits.MaxExperimentNameLength)
            throw Invalid($"Experiment name '{name}' is not valid: it must have 1 to {MlflowLimits.MaxExperimentNameLength} characters.");
        using (AcquireLock())
        {
            foreach (var folder in ExperimentFolders(Path.Combine(RootDirectory, TrashFolderName)))
            {
                if (ReadMeta(folder) is { } deleted && deleted.GetValueOrDefault("name") == name)
                    throw new TrackingException(
                        $"Experiment '{name}' exists in deleted state in '{folder}'. Restore it (mlflow experiments restore) " +
                        "or remove it for good (mlflow gc) to use this name again.", "RESOURCE_ALREADY_EXISTS");
            }
            foreach (var folder in ExperimentFolders(RootDirectory))
            {
                if (ReadMeta(folder) is { } meta && meta.GetValueOrDefault("name") == name)
                    return Task.FromResult(Path.GetFileName(folder));
            }
            string id;
            do
                id = NewExperimentId();
            while (FindExperimentFolder(id) is not null);
            CreateExperimentFolder(id, name);
            return Task.FromResult(id);
        }
    }

    public Task<RunInfo> CreateRunAsync(string experimentId, string runName, long startTimeMs, string userId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var experimentFolder = ActiveExperimentFolder(experimentId);
        var experiment = ReadMeta(experimentFolder)
            ?? throw new TrackingException($"Experiment '{experimentId}' has no readable meta.yaml in '{experimentFolder}'.", "INVALID_STATE");
        var artifactLocation = experiment.GetValueOrDefault("artifact_location") ?? ToFileUri(experimentFolder);
        var runId = Guid.NewGuid().ToString("N");
        var runFolder = Path.Combine(experimentFolder, runId);
        Directory.CreateDirectory(runFolder);
        var info = new RunInfo(runId, experimentId, runName, artifactLocation.TrimEnd('/') + "/" + runId + "/artifacts", RunStatus.Running, startTimeMs, null);
        WriteRunMeta(runFolder, info, userId, extra: null);
        foreach (var folder in new[] { "metrics", "params", "artifacts" })
            Directory.CreateDirectory(Path.Combine(runFolder, folder));
        lock (_runFoldersLock)
            _runFolders[runId] = runFolder;
        var allTags = tags.Any(tag => tag.Key == TrackingTags.RunName) ? tags : [.. tags, new RunTag(TrackingTags.RunName, runName)];
        foreach (var tag in allTags)
            WriteTag(runFolder, tag);
        return Task.FromResult(info);
    }

    public Task<RunInfo?> FindRunByTagAsync(string experimentId, string tagKey, string tagValue, CancellationToken cancellationToken = default)
    {
        var experimentFolder = ActiveExperimentFolder(experimentId);
        foreach (var runFolder in RunFolders(experimentFolder))
        {
            var tagPath = Path.Combine(runFolder, "tags", KeyPath(tagKey));
            if (!File.Exists(tagPath) || File.ReadAllText(tagPath, Utf8) != tagValue)
                continue;
            if (ReadMeta(runFolder) is { } meta && meta.GetValueOrDefault("lifecycle_stage") is null or "active")
                return Task.FromResult<RunInfo?>(ToRunInfo(meta, experimentId));
        }
        return Task.FromResult<RunInfo?>(null);
    }

    public Task<IReadOnlyList<RejectedEntity>> LogBatchAsync(string runId, IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var runFolder = ActiveRunFolder(runId);
        (metrics, parameters, tags, var rejected) = MlflowLimits.Partition(metrics, parameters, tags);

        foreach (var param in parameters)
        {
            if (WriteParam(runFolder, runId, param) is { } conflict)
                rejected.Add(conflict);
        }
        foreach (var group in metrics.GroupBy(metric => metric.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(runFolder, "metrics", KeyPath(group.Key));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var lines = new StringBuilder();
            foreach (var metric in group)
                lines.Append(CultureInfo.InvariantCulture, $"{metric.TimestampMs} {PythonFloat.Repr(metric.Value)} {metric.Step}\n");
            // One write per key: O_APPEND keeps concurrent appenders from interleaving inside a line.
            using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            stream.Write(Utf8.GetBytes(lines.ToString()));
        }
        foreach (var tag in tags)
        {
            WriteTag(runFolder, tag);
            if (tag.Key == TrackingTags.RunName)
                UpdateRunMeta(runFolder, meta => meta["run_name"] = tag.Value);
        }
        return Task.FromResult<IReadOnlyList<RejectedEntity>>(rejected);
    }

    /// <summary>As file_store.py's set_experiment_tag: the value in &lt;experiment&gt;/tags/&lt;key&gt;.</summary>
    public Task SetExperimentTagAsync(string experimentId, RunTag tag, CancellationToken cancellationToken = default)
    {
        var experimentFolder = ActiveExperimentFolder(experimentId);
        var path = Path.Combine(experimentFolder, "tags", KeyPath(tag.Key));
        if (!File.Exists(path) || File.ReadAllText(path, Utf8) != tag.Value)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WriteAtomically(path, tag.Value, experimentFolder);
        }
        return Task.CompletedTask;
    }

    public Task SetTagAsync(string runId, RunTag tag, CancellationToken cancellationToken = default) =>
        LogBatchAsync(runId, [], [], [tag], cancellationToken);

    public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> datasets, CancellationToken cancellationToken = default)
    {
        var runFolder = ActiveRunFolder(runId);
        var experimentFolder = Path.GetDirectoryName(runFolder)!;
        foreach (var dataset in datasets)
        {
            MlflowLimits.ValidateDataset(dataset);
            // Ids as file_store.py derives them: md5(name + digest), then md5(dataset_id + run_id).
            var datasetId = Md5Hex(dataset.Name + dataset.Digest);
            var datasetFolder = Path.Combine(experimentFolder, "datasets", datasetId);
            Directory.CreateDirectory(datasetFolder);
            WriteIfMissing(Path.Combine(datasetFolder, "meta.yaml"), datasetFolder, MlflowYaml.Write(
            [
                new("digest", dataset.Digest),
                new("name", dataset.Name),
                new("profile", dataset.Profile),
                new("schema", dataset.Schema),
                new("source", dataset.Source),
                new("source_type", dataset.SourceType),
            ]));

            var inputFolder = Path.Combine(runFolder, "inputs", Md5Hex(datasetId + runId));
            Directory.CreateDirectory(inputFolder);
            IReadOnlyList<KeyValuePair<string, string>> inputTags = dataset.Context is null
                ? []
                : [new(TrackingTags.DatasetContext, dataset.Context)];
            // destination_id repeats the dataset id: that is what MLflow's _FileStoreInput.write_yaml writes (it is never read back).
            WriteIfMissing(Path.Combine(inputFolder, "meta.yaml"), runFolder, MlflowYaml.Write(
            [
                new("destination_id", datasetId),
                new("destination_type", "RUN"),
                new("source_id", datasetId),
                new("source_type", "DATASET"),
                new("tags", inputTags),
            ]));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Metric>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(FindRunFolder(runId), "metrics", KeyPath(key));
        if (!File.Exists(path))
            return Task.FromResult<IReadOnlyList<Metric>>([]);
        var metrics = new List<Metric>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Utf8);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Trim().Split(' ');
            if (parts.Length is not (2 or 3))
                throw new TrackingException($"Metric file '{path}' has a malformed line '{line}': expected '<timestamp> <value> <step>'.", "INTERNAL_ERROR");
            metrics.Add(new Metric(key, ParsePythonFloat(parts[1]), long.Parse(parts[0], CultureInfo.InvariantCulture),
                parts.Length == 3 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0));
        }
        return Task.FromResult<IReadOnlyList<Metric>>(metrics);
    }

    public Task UpdateRunAsync(string runId, RunStatus status, long? endTimeMs, CancellationToken cancellationToken = default)
    {
        var runFolder = ActiveRunFolder(runId);
        UpdateRunMeta(runFolder, meta =>
        {
            meta["status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
            if (endTimeMs is { } end)
                meta["end_time"] = end.ToString(CultureInfo.InvariantCulture);
        });
        return Task.CompletedTask;
    }

    public Task LogArtifactAsync(RunInfo run, string localPath, string? artifactPath, CancellationToken cancellationToken = default)
    {
        var root = FileUriToPath(run.ArtifactUri)
            ?? throw new TrackingException($"Run {run.RunId} stores artifacts at '{run.ArtifactUri}', which is not a local folder; the file store can only write local artifacts.", "INVALID_PARAMETER_VALUE");
        var destination = Path.Combine(root, ArtifactPathToLocal(artifactPath));
        var scratch = FindRunFolder(run.RunId);
        if (File.Exists(localPath))
        {
            CopyAtomically(localPath, Path.Combine(destination, Path.GetFileName(localPath)), scratch);
        }
        else if (Directory.Exists(localPath))
        {
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                CopyAtomically(file, Path.Combine(destination, Path.GetRelativePath(localPath, file)), scratch);
            }
        }
        else
        {
            throw new TrackingException($"Artifact '{localPath}' does not exist (it must stay in place until the run is synced).", "RESOURCE_DOES_NOT_EXIST");
        }
        return Task.CompletedTask;
    }

    public void Dispose()
    {
    }

    /// <summary>file:///absolute/path, percent-encoded like Python's pathlib.Path.as_uri().</summary>
    public static string ToFileUri(string path)
    {
        var full = Path.GetFullPath(path).Replace('\\', '/');
        var segments = full.Split('/').Select(Uri.EscapeDataString);
        var joined = string.Join('/', segments);
        return "file://" + (joined.StartsWith('/') ? joined : "/" + joined);
    }

    /// <summary>The local path of a file: URI (file:/x, file:///x, file://localhost/x), or null for any other scheme.</summary>
    public static string? FileUriToPath(string uri)
    {
        if (!uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return null;
        var rest = uri[5..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
            var slash = rest.IndexOf('/');
            var host = slash < 0 ? rest : rest[..slash];
            if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                return null;
            rest = slash < 0 ? "/" : rest[slash..];
        }
        var path = Uri.UnescapeDataString(rest);
        // file:/C:/x on Windows.
        if (path.Length >= 3 && path[0] == '/' && path[2] == ':')
            path = path[1..];
        return Path.GetFullPath(path);
    }

    private static TrackingException Invalid(string message) => new(message, "INVALID_PARAMETER_VALUE", 400);

    private RejectedEntity? WriteParam(string runFolder, string runId, Param param)
    {
        var path = Path.Combine(runFolder, "params", KeyPath(param.Key));
        for (var attempt = 0; ; attempt++)
        {
            if (File.Exists(path))
            {
                var current = File.ReadAllText(path, Utf8);
                return current == param.Value
                    ? null
                    : new RejectedEntity("param", param.Key,
                        $"{TrackingException.ParamChangeMessage}. Param with key='{param.Key}' was already logged with value='{current}' for run ID='{runId}'. Attempted logging new value '{param.Value}'.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = Path.Combine(runFolder, $".tmp-{Guid.NewGuid():N}");
            File.WriteAllText(temporary, param.Value, Utf8);
            try
            {
                File.Move(temporary, path, overwrite: false);
                return null;
            }
            catch (IOException) when (File.Exists(path) && attempt == 0)
            {
                File.Delete(temporary); // another writer won the race: compare with its value
            }
        }
    }

    private static void WriteTag(string runFolder, RunTag tag) =>
        WriteAtomically(Path.Combine(runFolder, "tags", KeyPath(tag.Key)), tag.Value, runFolder);

    private static void WriteRunMeta(string runFolder, RunInfo info, string userId, IReadOnlyDictionary<string, string?>? extra)
    {
        // The fields of _make_persisted_run_info_dict: RunInfo's properties plus the legacy ones old readers need.
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["artifact_uri"] = info.ArtifactUri,
            ["deleted_time"] = null,
            ["end_time"] = info.EndTimeMs,
            ["entry_point_name"] = "",
            ["experiment_id"] = info.ExperimentId,
            ["lifecycle_stage"] = "active",
            ["run_id"] = info.RunId,
            ["run_name"] = info.RunName,
            ["run_uuid"] = info.RunId,
            ["source_name"] = "",
            ["source_type"] = 4, // SourceType.LOCAL
            ["source_version"] = "",
            ["start_time"] = info.StartTimeMs,
            ["status"] = (int)info.Status,
            ["tags"] = Array.Empty<string>(),
            ["user_id"] = userId,
        };
        if (extra is not null)
        {
            foreach (var (key, value) in extra)
            {
                if (!fields.ContainsKey(key))
                    fields[key] = value;
            }
        }
        WriteAtomically(Path.Combine(runFolder, "meta.yaml"), MlflowYaml.Write(fields), runFolder);
    }

    private static void UpdateRunMeta(string runFolder, Action<Dictionary<string, string?>> change)
    {
        var meta = ReadMeta(runFolder) ?? throw new TrackingException($"Run folder '{runFolder}' has no readable meta.yaml.", "INVALID_STATE");
        change(meta);
        var info = ToRunInfo(meta, meta.GetValueOrDefault("experiment_id") ?? Path.GetFileName(Path.GetDirectoryName(runFolder)!));
        WriteRunMeta(runFolder, info, meta.GetValueOrDefault("user_id") ?? "", extra: meta);
    }

    private static RunInfo ToRunInfo(Dictionary<string, string?> meta, string experimentId)
    {
        var runId = meta.GetValueOrDefault("run_id") ?? meta.GetValueOrDefault("run_uuid") ?? "";
        return new RunInfo(
            runId,
            experimentId,
            meta.GetValueOrDefault("run_name") ?? "",
            meta.GetValueOrDefault("artifact_uri") ?? "",
            (RunStatus)int.Parse(meta.GetValueOrDefault("status") ?? "1", CultureInfo.InvariantCulture),
            long.Parse(meta.GetValueOrDefault("start_time") ?? "0", CultureInfo.InvariantCulture),
            meta.GetValueOrDefault("end_time") is { } end ? long.Parse(end, CultureInfo.InvariantCulture) : null);
    }

    private void CreateExperimentFolder(string id, string name)
    {
        var folder = Path.Combine(RootDirectory, id);
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        WriteAtomically(Path.Combine(folder, "meta.yaml"), MlflowYaml.Write(
        [
            new("artifact_location", ToFileUri(folder)),
            new("creation_time", now),
            new("experiment_id", id),
            new("last_update_time", now),
            new("lifecycle_stage", "active"),
            new("name", name),
        ]), folder);
    }

    /// <summary>18 random digits, the first not 0: the shape of MLflow's _generate_unique_integer_id.</summary>
    private static string NewExperimentId()
    {
        var digits = new char[18];
        digits[0] = (char)('1' + RandomNumberGenerator.GetInt32(9));
        for (var i = 1; i < digits.Length; i++)
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        return new string(digits);
    }

    private string? FindExperimentFolder(string id)
    {
        foreach (var parent in new[] { RootDirectory, Path.Combine(RootDirectory, TrashFolderName) })
        {
            var folder = Path.Combine(parent, id);
            if (Directory.Exists(folder))
                return folder;
        }
        return null;
    }

    private string ActiveExperimentFolder(string experimentId)
    {
        if (!ExperimentIdPattern().IsMatch(experimentId))
            throw Invalid($"Invalid experiment ID: '{experimentId}'.");
        var folder = Path.Combine(RootDirectory, experimentId);
        if (!File.Exists(Path.Combine(folder, "meta.yaml")))
            throw new TrackingException($"Experiment '{experimentId}' does not exist in '{RootDirectory}'.", "RESOURCE_DOES_NOT_EXIST", 404);
        return folder;
    }

    private static IEnumerable<string> ExperimentFolders(string parent) =>
        Directory.Exists(parent)
            ? Directory.EnumerateDirectories(parent).Where(folder => !NonExperimentFolders.Contains(Path.GetFileName(folder)) && !Path.GetFileName(folder).StartsWith('.'))
            : [];

    private static IEnumerable<string> RunFolders(string experimentFolder) =>
        Directory.EnumerateDirectories(experimentFolder).Where(folder => !ReservedExperimentFolders.Contains(Path.GetFileName(folder)));

    private string FindRunFolder(string runId)
    {
        if (!RunIdPattern().IsMatch(runId))
            throw Invalid($"Invalid run ID: '{runId}'.");
        lock (_runFoldersLock)
        {
            if (_runFolders.TryGetValue(runId, out var known) && Directory.Exists(known))
                return known;
        }
        foreach (var experiment in ExperimentFolders(RootDirectory).Concat(ExperimentFolders(Path.Combine(RootDirectory, TrashFolderName))))
        {
            var folder = Path.Combine(experiment, runId);
            if (File.Exists(Path.Combine(folder, "meta.yaml")))
            {
                lock (_runFoldersLock)
                    _runFolders[runId] = folder;
                return folder;
            }
        }
        throw new TrackingException($"Run '{runId}' not found in '{RootDirectory}'.", "RESOURCE_DOES_NOT_EXIST", 404);
    }

    private string ActiveRunFolder(string runId)
    {
        var folder = FindRunFolder(runId);
        if (ReadMeta(folder)?.GetValueOrDefault("lifecycle_stage") is { } stage && stage != "active")
            throw Invalid($"The run {runId} must be in 'active' lifecycle_stage (it is '{stage}').");
        return folder;
    }

    private static Dictionary<string, string?>? ReadMeta(string folder)
    {
        var path = Path.Combine(folder, "meta.yaml");
        return File.Exists(path) ? MlflowYaml.ReadScalars(File.ReadAllText(path, Utf8)) : null;
    }

    private static string KeyPath(string key) => key.Replace('/', Path.DirectorySeparatorChar);

    private static string ArtifactPathToLocal(string? artifactPath)
    {
        if (string.IsNullOrEmpty(artifactPath))
            return "";
        var normalized = MlflowLimits.PosixNormalize(artifactPath.Replace('\\', '/'));
        if (normalized == "." )
            return "";
        if (normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            throw Invalid($"Artifact path '{artifactPath}' must be relative and stay inside the run's artifact folder.");
        return normalized.Replace('/', Path.DirectorySeparatorChar);
    }

    private static void WriteAtomically(string path, string content, string scratchFolder)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(scratchFolder, $".tmp-{Guid.NewGuid():N}");
        File.WriteAllText(temporary, content, Utf8);
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteIfMissing(string path, string scratchFolder, string content)
    {
        if (File.Exists(path))
            return;
        var temporary = Path.Combine(scratchFolder, $".tmp-{Guid.NewGuid():N}");
        File.WriteAllText(temporary, content, Utf8);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }

    private static void CopyAtomically(string source, string destination, string scratchFolder)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temporary = Path.Combine(scratchFolder, $".tmp-{Guid.NewGuid():N}");
        File.Copy(source, temporary);
        File.Move(temporary, destination, overwrite: true);
    }

    private static string Md5Hex(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static double ParsePythonFloat(string text) => text.ToLowerInvariant() switch
    {
        "nan" or "+nan" or "-nan" => double.NaN,
        "inf" or "+inf" or "infinity" or "+infinity" => double.PositiveInfinity,
        "-inf" or "-infinity" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private FileStream AcquireLock()
    {
        var path = Path.Combine(RootDirectory, LockFileName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(1, 5));
            }
            catch (IOException exception)
            {
                throw new TrackingException($"The file store '{RootDirectory}' stayed locked by another process for 30 s (lock file '{path}').", "RESOURCE_EXHAUSTED", isTransient: true, innerException: exception);
            }
        }
    }

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,63}$")]
    private static partial Regex ExperimentIdPattern();

    [GeneratedRegex(@"^[a-zA-Z0-9][\w\-]{0,255}$")]
    private static partial Regex RunIdPattern();
}
