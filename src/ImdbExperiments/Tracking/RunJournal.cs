using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ImdbExperiments.Caching;

namespace ImdbExperiments.Tracking;

/// <summary>
/// A run's tracking journal, in its run folder:
/// <list type="bullet">
/// <item><c>tracking.jsonl</c>: every tracking event, one JSON object per line, appended and flushed before
/// anything is sent (fsync per line only when asked: a crash of the process loses nothing, a power cut may lose
/// the last lines the OS had not written yet).</item>
/// <item><c>tracking.ack</c>: the byte offset and seq up to which the backend has acknowledged the journal, and
/// the backend's experiment and run ids; replaced atomically.</item>
/// <item><c>tracking.lock</c>: held by the one process that writes or syncs the journal.</item>
/// </list>
/// A last line without its newline (a write torn by a crash) is ignored on replay and cut off before the journal
/// is appended to again.
/// <para>
/// A run folder has one journal per tracking target (the store its start_run event names): the first target's is
/// <c>tracking.jsonl</c>, any later target's <c>tracking-&lt;12 hex of the target's SHA-256&gt;.jsonl</c> with its own
/// <c>.ack</c> and <c>.lock</c>, so a run recorded at another target before is recorded afresh at today's, and the old
/// journal (and store) are left as they are.
/// </para>
/// </summary>
public sealed class RunJournal : IDisposable
{
    public const string JournalFileName = "tracking.jsonl";
    public const string AckFileName = "tracking.ack";
    public const string LockFileName = "tracking.lock";
    public const int FormatVersion = 1;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly FileLock _lock;
    private readonly FileStream? _writer;
    private readonly bool _fsync;
    private readonly Lock _appendLock = new();

    private RunJournal(string runFolder, string journalFile, FileLock lockStream, FileStream? writer, bool fsync, long lastSeq)
    {
        RunFolder = runFolder;
        JournalFile = journalFile;
        _lock = lockStream;
        _writer = writer;
        _fsync = fsync;
        LastSeq = lastSeq;
    }

    public string RunFolder { get; }

    /// <summary>The journal's file name in its run folder (<see cref="JournalFileName"/> or a later target's).</summary>
    public string JournalFile { get; }

    public string JournalPath => Path.Combine(RunFolder, JournalFile);

    /// <summary>Seq of the last event in the journal.</summary>
    public long LastSeq { get; private set; }

    public static bool Exists(string runFolder, string journalFile = JournalFileName) => File.Exists(Path.Combine(runFolder, journalFile));

    /// <summary>Events in the journal that the backend has not acknowledged yet.</summary>
    public static long PendingEvents(string runFolder, string journalFile = JournalFileName)
    {
        if (!Exists(runFolder, journalFile))
            return 0;
        var ack = ReadAck(runFolder, journalFile);
        return ReadEntries(runFolder, ack.Offset, journalFile).Count + DeferredArtifacts.Count(runFolder, journalFile);
    }

    /// <summary>The journal files of a run folder, one per tracking target, the first target's first.</summary>
    public static IReadOnlyList<string> JournalFiles(string runFolder) =>
        !Directory.Exists(runFolder) ? [] :
        [.. Directory.EnumerateFiles(runFolder, "tracking*.jsonl").Select(path => Path.GetFileName(path))
            .Where(name => name == JournalFileName || (name.StartsWith("tracking-", StringComparison.Ordinal) && name.Length == "tracking-".Length + 12 + ".jsonl".Length))
            .OrderBy(name => name != JournalFileName).ThenBy(name => name, StringComparer.Ordinal)];

    /// <summary>The (normalized) tracking URI a journal's start_run event names; null for a journal without one.</summary>
    public static string? TargetOf(string runFolder, string journalFile) =>
        ReadEntries(runFolder, 0, journalFile).Select(entry => entry.Event).OfType<StartRunEvent>().FirstOrDefault()?.TrackingUri;

    /// <summary>The journal of <paramref name="runFolder"/> for a (normalized) tracking URI: the one that names it, else a new one's name.</summary>
    public static string JournalFileFor(string runFolder, string trackingUri)
    {
        string? empty = null;
        foreach (var file in JournalFiles(runFolder))
        {
            var target = TargetOf(runFolder, file);
            if (target == trackingUri)
                return file;
            if (target is null && file == JournalFileName)
                empty = file;
        }
        if (empty is not null || !Exists(runFolder))
            return JournalFileName;
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Utf8.GetBytes(trackingUri)))[..12];
        return $"tracking-{hash}.jsonl";
    }

    private static string AckFileOf(string journalFile) => Path.ChangeExtension(journalFile, ".ack");

    private static string LockFileOf(string journalFile) => Path.ChangeExtension(journalFile, ".lock");

    /// <summary>Starts a new journal; a folder whose journal already holds events must be resumed instead.</summary>
    /// <param name="locks">how to wait for another process that holds the folder; null fails at once</param>
    internal static RunJournal Create(string runFolder, bool fsync, string journalFile = JournalFileName, LockOptions? locks = null, Action<string>? onWait = null)
    {
        Directory.CreateDirectory(runFolder);
        var lockStream = AcquireLock(runFolder, journalFile, locks, onWait) ?? throw new IOException($"Run folder '{runFolder}' is in use by another process (it holds '{LockFileOf(journalFile)}').");
        try
        {
            // Re-checked under the lock: a process we waited for may have started this run meanwhile.
            if (ReadEntries(runFolder, 0, journalFile).Count > 0)
                throw new JournalExistsException($"Run folder '{runFolder}' already has a tracking journal '{journalFile}'; resume the run instead of starting it again.");
            File.Delete(Path.Combine(runFolder, AckFileOf(journalFile)));
            var writer = new FileStream(Path.Combine(runFolder, journalFile), FileMode.Create, FileAccess.Write, FileShare.Read);
            return new RunJournal(runFolder, journalFile, lockStream, writer, fsync, 0);
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing journal to append to it (a resumed run) or, with <paramref name="forAppend"/> false, to sync it.</summary>
    /// <param name="locks">how to wait for another process that holds the folder; null returns null at once</param>
    internal static RunJournal? TryOpen(string runFolder, bool forAppend, bool fsync, string journalFile = JournalFileName, LockOptions? locks = null, Action<string>? onWait = null)
    {
        var lockStream = AcquireLock(runFolder, journalFile, locks, onWait);
        if (lockStream is null)
            return null;
        try
        {
            var path = Path.Combine(runFolder, journalFile);
            var (entries, validLength) = ReadEntriesAndLength(runFolder, 0, journalFile);
            FileStream? writer = null;
            if (forAppend)
            {
                writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
                // Cut a torn last line so the next event starts on a line of its own.
                writer.SetLength(validLength);
                writer.Seek(validLength, SeekOrigin.Begin);
            }
            return new RunJournal(runFolder, journalFile, lockStream, writer, fsync, entries.Count > 0 ? entries[^1].Event.Seq : 0);
        }
        catch
        {
            lockStream.Dispose();
            throw;
        }
    }

    /// <summary>Appends an event, flushed to the OS before this returns; returns its seq.</summary>
    internal long Append(JournalEvent journalEvent)
    {
        if (_writer is null)
            throw new InvalidOperationException("This journal was opened for syncing only.");
        lock (_appendLock)
        {
            var seq = LastSeq + 1;
            var line = Serialize(journalEvent with { Seq = seq, TimeMs = journalEvent.TimeMs != 0 ? journalEvent.TimeMs : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
            _writer.Write(line);
            _writer.Flush(flushToDisk: _fsync);
            LastSeq = seq;
            return seq;
        }
    }

    internal IReadOnlyList<JournalEntry> ReadEntries(long fromOffset) => ReadEntries(RunFolder, fromOffset, JournalFile);

    internal JournalAck ReadAck() => ReadAck(RunFolder, JournalFile);

    internal void WriteAck(JournalAck ack)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", FormatVersion);
            writer.WriteNumber("offset", ack.Offset);
            writer.WriteNumber("seq", ack.Seq);
            WriteOptional(writer, "experiment_id", ack.ExperimentId);
            WriteOptional(writer, "run_id", ack.RunId);
            WriteOptional(writer, "artifact_uri", ack.ArtifactUri);
            WriteOptional(writer, "run_name", ack.RunName);
            writer.WriteEndObject();
        }
        var temporary = Path.Combine(RunFolder, $".{AckFileOf(JournalFile)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, buffer.WrittenSpan.ToArray());
        File.Move(temporary, Path.Combine(RunFolder, AckFileOf(JournalFile)), overwrite: true);
    }

    internal static JournalAck ReadAck(string runFolder, string journalFile = JournalFileName)
    {
        var path = Path.Combine(runFolder, AckFileOf(journalFile));
        if (!File.Exists(path))
            return JournalAck.None;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            return new JournalAck(
                root.GetProperty("offset").GetInt64(),
                root.GetProperty("seq").GetInt64(),
                OptionalString(root, "experiment_id"),
                OptionalString(root, "run_id"),
                OptionalString(root, "artifact_uri"),
                OptionalString(root, "run_name"));
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}' is not a valid tracking acknowledgement file ({exception.Message}); delete it to resend the whole journal (metrics are not duplicated).", exception);
        }
    }

    internal static IReadOnlyList<JournalEntry> ReadEntries(string runFolder, long fromOffset, string journalFile = JournalFileName) =>
        ReadEntriesAndLength(runFolder, fromOffset, journalFile).Entries;

    // Complete lines from the offset on, and the length of the journal up to the last complete line.
    private static (List<JournalEntry> Entries, long ValidLength) ReadEntriesAndLength(string runFolder, long fromOffset, string journalFile)
    {
        var path = Path.Combine(runFolder, journalFile);
        var entries = new List<JournalEntry>();
        if (!File.Exists(path))
            return (entries, 0);
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            if (fromOffset > stream.Length)
                throw new InvalidDataException($"'{Path.Combine(runFolder, AckFileOf(journalFile))}' acknowledges {fromOffset} bytes but '{path}' has only {stream.Length}; delete the ack file to resend the journal.");
            stream.Seek(fromOffset, SeekOrigin.Begin);
            bytes = new byte[stream.Length - fromOffset];
            stream.ReadExactly(bytes);
        }
        var start = 0;
        while (true)
        {
            var newline = Array.IndexOf(bytes, (byte)'\n', start);
            if (newline < 0)
                break;
            var line = bytes.AsSpan(start, newline - start);
            if (TryDeserialize(line) is { } journalEvent)
                entries.Add(new JournalEntry(journalEvent, fromOffset + start, fromOffset + newline + 1));
            start = newline + 1;
        }
        return (entries, fromOffset + start);
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _lock.Dispose();
    }

    // The same lock as the stage cache's: it names its holder, and a waiter can say whom it waits for.
    private static FileLock? AcquireLock(string runFolder, string journalFile, LockOptions? locks, Action<string>? onWait) => locks is null
        ? FileLock.TryAcquire(Path.Combine(runFolder, LockFileOf(journalFile)))
        : FileLock.Acquire(Path.Combine(runFolder, LockFileOf(journalFile)), locks, onWait);

    internal byte[] Serialize(JournalEvent journalEvent)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", journalEvent.Seq);
            writer.WriteNumber("time", journalEvent.TimeMs);
            switch (journalEvent)
            {
                case StartRunEvent start:
                    writer.WriteString("type", "start_run");
                    writer.WriteNumber("version", FormatVersion);
                    writer.WriteString("run_key", start.RunKey);
                    writer.WriteString("tracking_uri", start.TrackingUri);
                    writer.WriteString("experiment", start.Experiment);
                    writer.WriteString("run_name", start.RunName);
                    writer.WriteString("user", start.User);
                    writer.WriteNumber("start_time", start.StartTimeMs);
                    WritePairs(writer, "tags", start.Tags.Select(tag => (tag.Key, tag.Value)));
                    WriteOptional(writer, "parent_run_folder", start.ParentRunFolder);
                    WriteOptional(writer, "parent_run_key", start.ParentRunKey);
                    break;
                case LogEvent log:
                    writer.WriteString("type", "log");
                    WriteMetrics(writer, log.Metrics);
                    WritePairs(writer, "params", log.Parameters.Select(param => (param.Key, param.Value)));
                    WritePairs(writer, "tags", log.Tags.Select(tag => (tag.Key, tag.Value)));
                    break;
                case InputsEvent inputs:
                    writer.WriteString("type", "inputs");
                    writer.WriteStartArray("datasets");
                    foreach (var dataset in inputs.Datasets)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", dataset.Name);
                        writer.WriteString("digest", dataset.Digest);
                        writer.WriteString("source_type", dataset.SourceType);
                        writer.WriteString("source", dataset.Source);
                        WriteOptional(writer, "context", dataset.Context);
                        WriteOptional(writer, "schema", dataset.Schema);
                        WriteOptional(writer, "profile", dataset.Profile);
                        writer.WriteEndObject();
                    }
                    writer.WriteEndArray();
                    break;
                case ArtifactEvent artifact:
                    writer.WriteString("type", "artifact");
                    writer.WriteString("local_path", artifact.LocalPath);
                    WriteOptional(writer, "artifact_path", artifact.ArtifactPath);
                    WriteOptional(writer, "sha256", artifact.Fingerprint);
                    break;
                case LoggedModelEvent model:
                    writer.WriteString("type", "logged_model");
                    writer.WriteString("key", model.Key);
                    writer.WriteString("name", model.Name);
                    writer.WriteString("local_folder", model.LocalFolder);
                    writer.WriteString("model_type", model.ModelType);
                    WritePairs(writer, "params", model.Parameters.Select(param => (param.Key, param.Value)));
                    WritePairs(writer, "tags", model.Tags.Select(tag => (tag.Key, tag.Value)));
                    WriteMetrics(writer, model.Metrics);
                    WriteOptional(writer, "dataset_name", model.DatasetName);
                    WriteOptional(writer, "dataset_digest", model.DatasetDigest);
                    writer.WriteNumber("step", model.Step);
                    break;
                case StatusEvent status:
                    writer.WriteString("type", "status");
                    writer.WriteString("status", status.Status.ToString().ToUpperInvariant());
                    if (status.EndTimeMs is { } end)
                        writer.WriteNumber("end_time", end);
                    break;
                default:
                    throw new ArgumentException($"Unknown journal event {journalEvent.GetType().Name}.", nameof(journalEvent));
            }
            writer.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static JournalEvent? TryDeserialize(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var seq = root.GetProperty("seq").GetInt64();
            var time = root.GetProperty("time").GetInt64();
            JournalEvent journalEvent = root.GetProperty("type").GetString() switch
            {
                "start_run" => new StartRunEvent(
                    root.GetProperty("run_key").GetString()!,
                    root.GetProperty("tracking_uri").GetString()!,
                    root.GetProperty("experiment").GetString()!,
                    root.GetProperty("run_name").GetString()!,
                    root.GetProperty("user").GetString()!,
                    root.GetProperty("start_time").GetInt64(),
                    ReadPairs(root, "tags").Select(pair => new RunTag(pair.Key, pair.Value)).ToList(),
                    OptionalString(root, "parent_run_folder"),
                    OptionalString(root, "parent_run_key")),
                "log" => new LogEvent(
                    root.GetProperty("metrics").EnumerateArray().Select(metric => new Metric(
                        metric.GetProperty("key").GetString()!,
                        ReadDouble(metric.GetProperty("value")),
                        metric.GetProperty("timestamp").GetInt64(),
                        metric.GetProperty("step").GetInt64())).ToList(),
                    ReadPairs(root, "params").Select(pair => new Param(pair.Key, pair.Value)).ToList(),
                    ReadPairs(root, "tags").Select(pair => new RunTag(pair.Key, pair.Value)).ToList()),
                "inputs" => new InputsEvent(root.GetProperty("datasets").EnumerateArray().Select(dataset => new DatasetInput(
                    dataset.GetProperty("name").GetString()!,
                    dataset.GetProperty("digest").GetString()!,
                    dataset.GetProperty("source_type").GetString()!,
                    dataset.GetProperty("source").GetString()!,
                    OptionalString(dataset, "context"),
                    OptionalString(dataset, "schema"),
                    OptionalString(dataset, "profile"))).ToList()),
                "artifact" => new ArtifactEvent(root.GetProperty("local_path").GetString()!, OptionalString(root, "artifact_path"))
                {
                    Fingerprint = OptionalString(root, "sha256"),
                },
                "logged_model" => ReadLoggedModel(root),
                "status" => new StatusEvent(
                    Enum.Parse<RunStatus>(root.GetProperty("status").GetString()!, ignoreCase: true),
                    root.TryGetProperty("end_time", out var end) ? end.GetInt64() : null),
                var other => throw new JsonException($"unknown event type '{other}'"),
            };
            return journalEvent with { Seq = seq, TimeMs = time };
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            // A corrupt complete line: skip it rather than block every later event.
            return null;
        }
    }

    internal string ResolveLocalPath(string storedPath) => Path.GetFullPath(Path.Combine(RunFolder, storedPath));

    internal string StoredLocalPath(string localPath)
    {
        var full = Path.GetFullPath(localPath);
        var relative = Path.GetRelativePath(RunFolder, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    private static double ReadDouble(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? element.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var text => double.Parse(text!, NumberStyles.Float, CultureInfo.InvariantCulture),
        }
        : element.GetDouble();

    private static void WriteMetrics(Utf8JsonWriter writer, IReadOnlyList<Metric> metrics)
    {
        writer.WriteStartArray("metrics");
        foreach (var metric in metrics)
            MlflowJson.WriteMetric(writer, metric);
        writer.WriteEndArray();
    }

    private static LoggedModelEvent ReadLoggedModel(JsonElement root)
    {
        var metrics = ReadMetrics(root);
        // A journal older than the step field: the step the model's metrics were measured at, as that model was chosen.
        var step = root.TryGetProperty("step", out var value) ? value.GetInt64() : metrics.Select(metric => metric.Step).DefaultIfEmpty(0).Max();
        return new LoggedModelEvent(
            root.GetProperty("key").GetString()!,
            root.GetProperty("name").GetString()!,
            root.GetProperty("local_folder").GetString()!,
            root.GetProperty("model_type").GetString()!,
            ReadPairs(root, "params").Select(pair => new Param(pair.Key, pair.Value)).ToList(),
            ReadPairs(root, "tags").Select(pair => new RunTag(pair.Key, pair.Value)).ToList(),
            metrics,
            OptionalString(root, "dataset_name"),
            OptionalString(root, "dataset_digest"),
            step);
    }

    private static List<Metric> ReadMetrics(JsonElement root) =>
        root.GetProperty("metrics").EnumerateArray().Select(metric => new Metric(
            metric.GetProperty("key").GetString()!,
            ReadDouble(metric.GetProperty("value")),
            metric.GetProperty("timestamp").GetInt64(),
            metric.GetProperty("step").GetInt64())).ToList();

    private static void WritePairs(Utf8JsonWriter writer, string name, IEnumerable<(string Key, string Value)> pairs)
    {
        writer.WriteStartArray(name);
        foreach (var (key, value) in pairs)
        {
            writer.WriteStartObject();
            writer.WriteString("key", key);
            writer.WriteString("value", value);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static IEnumerable<(string Key, string Value)> ReadPairs(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array)
            ? array.EnumerateArray().Select(pair => (pair.GetProperty("key").GetString()!, pair.GetProperty("value").GetString()!)).ToList()
            : [];

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
            writer.WriteString(name, value);
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
