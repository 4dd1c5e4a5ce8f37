namespace ImdbExperiments.Tracking;

/// <summary>
/// Logs one run. Every call appends to the run's journal (tracking.jsonl) and returns: it never waits for the
/// network and never throws. A background sender feeds the backend from the journal in order; when the backend
/// is down, slow or refuses, training goes on, the user sees one warning, and the events wait in the journal for
/// the backend to come back, for the end of the run, or for <see cref="TrackingSync"/>.
/// <para>
/// Keys MLflow would refuse are replaced by the nearest accepted key (with a warning); a param value over 6,000
/// characters is cut to 6,000 and logged whole as the artifact <c>truncated_params/&lt;key&gt;.txt</c>; a param
/// logged again with another value is not logged (MLflow params are write-once); tag values over 8,000
/// characters are cut to 8,000 (MLflow 3's limits, mlflow/utils/validation.py). Tracking credentials found in any
/// value are replaced by <c>***</c>.
/// </para>
/// <para>
/// Exactly once, per run folder and tracking target: a reopened run knows what its journal already holds, and drops a
/// metric point whose (key, step) is journaled, a param, tag or input already there with that value, an artifact
/// already logged with the same content, and a status the run already has; so a re-run whose stages are cache hits
/// journals nothing and sends nothing.
/// </para>
/// </summary>
public sealed class RunTracker : IAsyncDisposable
{
    private const string TruncatedParamsArtifactPath = "truncated_params";

    private readonly RunJournal _journal;
    private StartRunEvent _start;
    private readonly TrackingOptions _options;
    private readonly IReadOnlyList<string> _secrets;
    private readonly Dictionary<string, string> _params = new(StringComparer.Ordinal);
    private readonly HashSet<(string Key, long Step)> _points = [];
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly HashSet<(string Name, string Digest, string? Context)> _inputs = [];
    private readonly Dictionary<(string LocalPath, string? ArtifactPath), string?> _artifacts = [];
    private RunStatus _status = RunStatus.Running;
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private ITrackingBackend? _backend;
    private JournalSender? _sender;
    private Task _loop = Task.CompletedTask;
    private volatile bool _stopRequested;
    private volatile string? _problem;
    private bool _ended;
    private bool _disposed;

    private RunTracker(RunJournal journal, StartRunEvent start, TrackingOptions options)
    {
        _journal = journal;
        _start = start;
        _options = options;
        _secrets = options.Secrets;
    }

    public string RunFolder => _journal.RunFolder;

    /// <summary>The journal's id for this run (the backend's run id is only known once the run reached it).</summary>
    public string RunKey => _start.RunKey;

    /// <summary>The normalized tracking URI, without credentials.</summary>
    public string TrackingUri => _start.TrackingUri;

    public string ExperimentName => _start.Experiment;

    public string RunName => _start.RunName;

    /// <summary>The backend's run id, or null while the run has not reached the backend.</summary>
    public string? RunId => RunJournal.ReadAck(RunFolder, _journal.JournalFile).RunId;

    /// <summary>The journal's file in the run folder (one per tracking target).</summary>
    public string JournalPath => _journal.JournalPath;

    /// <summary>
    /// Starts a run whose journal lives in <paramref name="start"/>'s run folder. Throws only for a tracking URI
    /// of an unsupported kind or a run folder that already has a journal (resume it instead).
    /// </summary>
    public static RunTracker Start(RunStart start, TrackingOptions? options = null) => StartCore(start, options ?? new TrackingOptions(), parent: null);

    /// <summary>Reopens the run of an existing run folder (a resumed training): same backend run, params kept.</summary>
    public static RunTracker Resume(string runFolder, TrackingOptions? options = null)
    {
        options ??= new TrackingOptions();
        runFolder = Path.GetFullPath(runFolder);
        var journalFile = RunJournal.JournalFileFor(runFolder, TrackingTarget.Of(options).Uri);
        var journal = RunJournal.TryOpen(runFolder, forAppend: true, options.FsyncEachEvent, journalFile, options.RunFolderLock, options.OnRunFolderWait)
            ?? throw new IOException($"Run folder '{runFolder}' is in use by another process (it holds the lock of '{journalFile}').");
        try
        {
            var events = journal.ReadEntries(0).Select(entry => entry.Event).ToList();
            var start = events.OfType<StartRunEvent>().FirstOrDefault()
                ?? throw new InvalidOperationException($"The tracking journal '{journal.JournalPath}' has no start_run event; start a new run instead.");
            var tracker = new RunTracker(journal, start, options);
            tracker.Remember(events);
            tracker.Begin(resumed: true);
            return tracker;
        }
        catch
        {
            journal.Dispose();
            throw;
        }
    }

    /// <summary>Resumes the run of <paramref name="start"/>'s folder when it has a journal, else starts it.</summary>
    public static RunTracker StartOrResume(RunStart start, TrackingOptions? options = null)
    {
        options ??= new TrackingOptions();
        if (HasRun(start.RunFolder, options))
            return Resume(start.RunFolder, options);
        try
        {
            return Start(start, options);
        }
        catch (JournalExistsException)
        {
            // Another process started this folder's run while we waited for its lock: continue that run.
            return Resume(start.RunFolder, options);
        }
    }

    /// <summary>Whether <paramref name="runFolder"/> has a run at the target of <paramref name="options"/> (its journal there has a start_run).</summary>
    public static bool HasRun(string runFolder, TrackingOptions options)
    {
        var folder = Path.GetFullPath(runFolder);
        var file = RunJournal.JournalFileFor(folder, TrackingTarget.Of(options).Uri);
        return RunJournal.ReadEntries(folder, 0, file).Any(entry => entry.Event is StartRunEvent);
    }

    /// <summary>
    /// Starts a child run (a sweep trial): tagged mlflow.parentRunId, same backend and experiment as this run,
    /// and this run's user, source and git commit tags unless <paramref name="start"/> sets its own.
    /// </summary>
    public RunTracker StartChild(RunStart start) => StartCore(Inheriting(_start, start), _options, (_start, RunFolder));

    /// <summary>
    /// The same as <see cref="StartChild"/> for the run recorded in <paramref name="parentFolder"/> while another process holds
    /// that folder (the workers of one sweep share its parent run): its start is read from its journal, its lock is not taken.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder has no run at the target of <paramref name="options"/> yet.</exception>
    public static RunTracker StartChildOf(string parentFolder, RunStart start, TrackingOptions? options = null)
    {
        options ??= new TrackingOptions();
        var folder = Path.GetFullPath(parentFolder);
        var parent = RunJournal.ReadEntries(folder, 0, RunJournal.JournalFileFor(folder, TrackingTarget.Of(options).Uri)).Select(entry => entry.Event).OfType<StartRunEvent>().FirstOrDefault()
            ?? throw new InvalidOperationException($"Run folder '{folder}' has no run to be the parent of '{start.RunFolder}' yet; start the parent first.");
        return StartCore(Inheriting(parent, start), options, (parent, folder));
    }

    // A child takes its parent's user, source and git commit tags unless it sets its own.
    private static RunStart Inheriting(StartRunEvent parent, RunStart start)
    {
        string[] inherited = [TrackingTags.User, TrackingTags.SourceName, TrackingTags.SourceType, TrackingTags.GitCommit];
        var tags = parent.Tags.Where(tag => inherited.Contains(tag.Key)).ToDictionary(tag => tag.Key, tag => tag.Value, StringComparer.Ordinal);
        foreach (var (key, value) in start.Tags)
            tags[key] = value;
        return start with { Tags = tags };
    }

    public void LogParam(string key, string? value) => LogParams([new KeyValuePair<string, string>(key, value ?? "")]);

    public void LogParams(IEnumerable<KeyValuePair<string, string>> parameters) => Guard(() =>
    {
        var accepted = new List<Param>();
        var fullValues = new List<ArtifactEvent>();
        foreach (var (rawKey, rawValue) in parameters)
        {
            var key = Key(rawKey, "param");
            var fullValue = SecretScanner.Redact(rawValue ?? "", _secrets);
            var value = Cut(fullValue, MlflowLimits.MaxParamValueLength);
            if (_params.TryGetValue(key, out var logged))
            {
                if (logged != value)
                    Warn($"param-changed:{key}",
                        $"Param '{key}' was already logged as '{Short(logged)}'; MLflow params cannot change, so '{Short(value)}' is not logged. " +
                        "Log a value that changes during a run as a metric or a tag.");
                continue;
            }
            if (value.Length < fullValue.Length)
            {
                var (file, artifactPath) = SaveFullParamValue(key, fullValue);
                fullValues.Add(new ArtifactEvent(_journal.StoredLocalPath(file), artifactPath));
                Warn($"param-truncated:{key}",
                    $"Param '{key}' has {fullValue.Length} characters; MLflow 3 keeps at most {MlflowLimits.MaxParamValueLength} (its MAX_PARAM_VAL_LENGTH). " +
                    $"The first {value.Length} are logged as the param, the whole value as artifact '{artifactPath}/{Path.GetFileName(file)}'.");
            }
            _params[key] = value;
            accepted.Add(new Param(key, value));
        }
        if (accepted.Count > 0)
            Append(new LogEvent([], accepted, []));
        foreach (var artifact in fullValues)
            Append(artifact);
    });

    public void LogMetric(string key, double value, long step, DateTimeOffset? timestamp = null) =>
        LogMetrics([new KeyValuePair<string, double>(key, value)], step, timestamp);

    /// <summary>Several metrics of one step, journaled as one event.</summary>
    public void LogMetrics(IEnumerable<KeyValuePair<string, double>> metrics, long step, DateTimeOffset? timestamp = null) => Guard(() =>
    {
        var time = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        var points = metrics.Select(metric => new Metric(Key(metric.Key, "metric"), metric.Value, time, step))
            .Where(point => _points.Add((point.Key, point.Step))).ToList();
        if (points.Count > 0)
            Append(new LogEvent(points, [], []));
    });

    public void SetTag(string key, string? value) => SetTags([new KeyValuePair<string, string>(key, value ?? "")]);

    public void SetTags(IEnumerable<KeyValuePair<string, string>> tags) => Guard(() =>
    {
        var accepted = tags.Select(tag => TagOf(tag.Key, tag.Value))
            .Where(tag => !(_tags.TryGetValue(tag.Key, out var current) && current == tag.Value)).ToList();
        foreach (var tag in accepted)
            _tags[tag.Key] = tag.Value;
        if (accepted.Count > 0)
            Append(new LogEvent([], [], accepted));
    });

    /// <summary>Logs a dataset as a run input (runs/log-inputs), with its context (train, validation, test) as input tag.</summary>
    public void LogInput(DatasetInput dataset) => Guard(() =>
    {
        var source = SecretScanner.Redact(dataset.Source, _secrets);
        if (source.Length > MlflowLimits.MaxDatasetSourceLength)
        {
            Warn($"input-source:{dataset.Name}", $"Dataset '{dataset.Name}' has a source of {source.Length} characters; MLflow allows {MlflowLimits.MaxDatasetSourceLength}, so the input is not logged.");
            return;
        }
        var input = dataset with
        {
            Name = Cut(dataset.Name, MlflowLimits.MaxDatasetNameLength),
            Digest = Cut(dataset.Digest, MlflowLimits.MaxDatasetDigestLength),
            Source = source,
            Context = dataset.Context is null ? null : Cut(dataset.Context, MlflowLimits.MaxInputTagValueLength),
        };
        if (_inputs.Add((input.Name, input.Digest, input.Context)))
            Append(new InputsEvent([input]));
    });

    /// <summary>
    /// Logs a file (to <c>&lt;artifactPath&gt;/&lt;name&gt;</c>) or a folder's contents (under <paramref name="artifactPath"/>).
    /// The file is read when the sender reaches the event, so it must stay in place until the run is synced.
    /// </summary>
    /// <param name="fingerprint">what identifies the content (a stage's cache key); null hashes the file or folder</param>
    public void LogArtifact(string localPath, string? artifactPath = null, string? fingerprint = null) => Guard(() =>
    {
        if (!File.Exists(localPath) && !Directory.Exists(localPath))
        {
            Warn($"artifact-missing:{localPath}", $"Artifact '{localPath}' does not exist and is not logged.");
            return;
        }
        string? normalized = null;
        if (!string.IsNullOrWhiteSpace(artifactPath))
        {
            normalized = MlflowLimits.PosixNormalize(artifactPath.Replace('\\', '/').Trim('/'));
            if (normalized == ".")
                normalized = null;
            else if (normalized.StartsWith("..", StringComparison.Ordinal))
            {
                Warn($"artifact-path:{artifactPath}", $"Artifact path '{artifactPath}' leaves the run's artifact folder; '{localPath}' is not logged.");
                return;
            }
        }
        var stored = _journal.StoredLocalPath(localPath);
        var content = fingerprint ?? ArtifactFingerprint.Of(localPath);
        if (_artifacts.TryGetValue((stored, normalized), out var logged) && logged == content)
            return;
        _artifacts[(stored, normalized)] = content;
        Append(new ArtifactEvent(stored, normalized) { Fingerprint = content });
    });

    /// <summary>
    /// Logs the run's best model as an MLflow 3 LoggedModel (created, given its params, tags, metrics and artifacts, then
    /// finalized READY). A model whose key this run's journal already holds is not journaled again, so a re-run of a
    /// cached model adds nothing; the folder is read when the sender reaches the event.
    /// </summary>
    public void LogModel(LoggedModelRequest model) => Guard(() =>
    {
        if (!Directory.Exists(model.LocalFolder))
        {
            Warn($"model-missing:{model.LocalFolder}", $"Model folder '{model.LocalFolder}' does not exist and is not logged.");
            return;
        }
        if (_journal.ReadEntries(0).Any(entry => entry.Event is LoggedModelEvent logged && logged.Key == model.Key))
            return;
        Append(new LoggedModelEvent(
            model.Key,
            Cut(SecretScanner.Redact(model.Name, _secrets), MlflowLimits.MaxParamValueLength),
            _journal.StoredLocalPath(model.LocalFolder),
            model.ModelType,
            model.Parameters.Select(param => new Param(Key(param.Key, "param"), Cut(SecretScanner.Redact(param.Value, _secrets), MlflowLimits.MaxParamValueLength))).ToList(),
            model.Tags.Select(tag => TagOf(tag.Key, tag.Value)).ToList(),
            model.Metrics.Select(metric => metric with { Key = Key(metric.Key, "metric") }).ToList(),
            model.DatasetName,
            model.DatasetDigest,
            model.Step));
    });

    /// <summary>
    /// Ends the run: FINISHED, FAILED (the exception goes into the tag imdbx.error) or KILLED (interrupted, e.g. Ctrl-C).
    /// Waits up to <see cref="TrackingOptions.FinalFlushTimeout"/> for pending events to reach the backend.
    /// </summary>
    public async Task<TrackingSummary> EndAsync(RunStatus status = RunStatus.Finished, Exception? error = null)
    {
        lock (_lock)
        {
            if (_ended)
                return Summary();
            try
            {
                if (error is not null)
                    Append(new LogEvent([], [], [TagOf(TrackingTags.Error, error.ToString())]));
                // A reopened run that logged nothing new keeps its status and end time.
                if (status != _status || error is not null)
                {
                    _journal.Append(new StatusEvent(status, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                    _status = status;
                }
            }
            catch (Exception exception)
            {
                Warn("journal", $"Tracking journal '{_journal.JournalPath}' could not be written ({exception.Message}); the run's end is not recorded.");
            }
            _ended = true;
        }
        await StopSenderAsync();
        return Summary();
    }

    /// <summary>Ends the run as KILLED if it was not ended, then releases the journal.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        await EndAsync(RunStatus.Killed);
        _disposed = true;
        _stop.Cancel();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // The loop reports its own problems.
        }
        _backend?.Dispose();
        _journal.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    private static RunTracker StartCore(RunStart start, TrackingOptions options, (StartRunEvent Start, string Folder)? parent)
    {
        var target = parent is not { } p ? TrackingTarget.Of(options) : new TrackingTarget(p.Start.TrackingUri, p.Start.Experiment);
        var (uri, experiment) = (target.Uri, target.Experiment);
        var runFolder = Path.GetFullPath(start.RunFolder);
        var journal = RunJournal.Create(runFolder, options.FsyncEachEvent, RunJournal.JournalFileFor(runFolder, uri), options.RunFolderLock, options.OnRunFolderWait);
        try
        {
            // The tracker sanitizes the start tags (and warns about them) before its start event exists.
            var tracker = new RunTracker(journal, new StartRunEvent("", uri, experiment, "", "", 0, [], null, null), options);
            var tags = start.Tags.Select(tag => tracker.TagOf(tag.Key, tag.Value)).ToList();
            var runName = FirstNonEmpty(start.RunName, start.Tags.GetValueOrDefault(TrackingTags.RunName)) ?? Path.GetFileName(runFolder);
            var user = FirstNonEmpty(start.Tags.GetValueOrDefault(TrackingTags.User)) ?? Environment.UserName;
            tracker._start = new StartRunEvent(Guid.NewGuid().ToString("N"), uri, SecretScanner.Redact(experiment, tracker._secrets),
                SecretScanner.Redact(runName, tracker._secrets), user, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), tags, parent?.Folder, parent?.Start.RunKey);
            journal.Append(tracker._start);
            tracker.Remember([tracker._start]);
            tracker.Begin(resumed: false);
            return tracker;
        }
        catch
        {
            journal.Dispose();
            throw;
        }
    }

    /// <summary>What the journal already holds, so nothing is journaled twice.</summary>
    private void Remember(IEnumerable<JournalEvent> events)
    {
        foreach (var journalEvent in events)
        {
            switch (journalEvent)
            {
                case StartRunEvent start:
                    foreach (var tag in start.Tags)
                        _tags[tag.Key] = tag.Value;
                    _status = RunStatus.Running;
                    break;
                case LogEvent log:
                    foreach (var metric in log.Metrics)
                        _points.Add((metric.Key, metric.Step));
                    foreach (var param in log.Parameters)
                        _params.TryAdd(param.Key, param.Value);
                    foreach (var tag in log.Tags)
                        _tags[tag.Key] = tag.Value;
                    break;
                case InputsEvent inputs:
                    foreach (var input in inputs.Datasets)
                        _inputs.Add((input.Name, input.Digest, input.Context));
                    break;
                case ArtifactEvent artifact:
                    _artifacts[(artifact.LocalPath, artifact.ArtifactPath)] = artifact.Fingerprint;
                    break;
                case StatusEvent status:
                    _status = status.Status;
                    break;
            }
        }
    }

    /// <summary>Journals a new event; a run that had ended is RUNNING again first, as MLflow shows a run being logged to.</summary>
    private void Append(JournalEvent journalEvent)
    {
        if (_status != RunStatus.Running)
        {
            _journal.Append(new StatusEvent(RunStatus.Running, null));
            _status = RunStatus.Running;
        }
        _journal.Append(journalEvent);
    }

    private void Begin(bool resumed)
    {
        try
        {
            _backend = _options.CreateBackend(TrackingUri);
            _sender = new JournalSender(_journal, _backend, Warn, _secrets) { MayHaveBeenSent = resumed };
            _loop = Task.Run(() => SendLoopAsync(_stop.Token));
            _wake.Release();
        }
        catch (Exception exception)
        {
            ReportBackendProblem(exception);
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        DateTime? retryAt = null;
        while (true)
        {
            if (!_stopRequested)
            {
                var delay = retryAt is { } at ? Max(at - DateTime.UtcNow, TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
                try
                {
                    await _wake.WaitAsync(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                while (_wake.Wait(0))
                {
                }
                // New events while the backend is down wait for the cooldown instead of hammering it.
                if (!_stopRequested && retryAt is { } due && DateTime.UtcNow < due)
                    continue;
            }
            retryAt = null;
            try
            {
                await _sender!.SendPendingAsync(cancellationToken);
                _problem = null;
                // Events journaled while that send was under way still need one more round.
                if (_stopRequested && _journal.ReadAck().Seq >= _journal.LastSeq)
                    return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ParentRunNotReadyException exception)
            {
                _problem = exception.Message;
                if (_stopRequested)
                {
                    // The parent's own sender is about to create it; the final-flush timeout bounds the wait.
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    continue;
                }
                retryAt = DateTime.UtcNow + Min(_options.RetryCooldown, TimeSpan.FromMilliseconds(200));
            }
            catch (Exception exception)
            {
                ReportBackendProblem(exception);
                if (_stopRequested || exception is not TrackingException { IsTransient: true })
                    return;
                retryAt = DateTime.UtcNow + _options.RetryCooldown;
            }
        }
    }

    private async Task StopSenderAsync()
    {
        _stopRequested = true;
        _wake.Release();
        try
        {
            await _loop.WaitAsync(_options.FinalFlushTimeout);
        }
        catch (TimeoutException)
        {
            _problem ??= $"the backend did not take the remaining events within {_options.FinalFlushTimeout.TotalSeconds:0} s";
            _stop.Cancel();
            try
            {
                await _loop;
            }
            catch (Exception)
            {
                // Cancelled on purpose.
            }
        }
    }

    private TrackingSummary Summary()
    {
        JournalAck ack;
        try
        {
            ack = _journal.ReadAck();
        }
        catch (Exception exception)
        {
            return new TrackingSummary(TrackingUri, null, null, _journal.LastSeq, _journal.JournalPath, exception.Message);
        }
        var pending = _journal.LastSeq - ack.Seq + DeferredArtifacts.Count(RunFolder, _journal.JournalFile);
        var problem = pending == 0 ? null : _problem ?? "not every event reached the backend";
        return new TrackingSummary(TrackingUri, ack.ExperimentId, ack.RunId, pending, _journal.JournalPath,
            problem is null ? null : $"{pending} tracking events of this run are not on {TrackingUri} yet ({problem}); they are kept in '{_journal.JournalPath}' and sent by Sync or at the end of the next run.");
    }

    private void Guard(Action append)
    {
        lock (_lock)
        {
            if (_ended)
            {
                Warn("after-end", $"Run '{RunName}' has ended; tracking calls after its end are ignored.");
                return;
            }
            try
            {
                append();
            }
            catch (Exception exception)
            {
                Warn("journal", $"Tracking journal '{_journal.JournalPath}' could not be written ({exception.Message}); tracking events are being lost.");
                return;
            }
        }
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private string Key(string? key, string kind)
    {
        var sanitized = MlflowLimits.SanitizeKey(key is null ? null : SecretScanner.Redact(key, _secrets));
        if (sanitized != key)
            Warn($"key:{key}", $"MLflow does not accept the {kind} key '{key}' ({MlflowLimits.KeyProblem(key)}); it is logged as '{sanitized}'.");
        return sanitized;
    }

    private RunTag TagOf(string key, string? rawValue)
    {
        var sanitized = Key(key, "tag");
        var value = SecretScanner.Redact(rawValue ?? "", _secrets);
        if (value.Length > MlflowLimits.MaxTagValueLength)
        {
            if (sanitized != TrackingTags.Error)
                Warn($"tag-truncated:{sanitized}", $"Tag '{sanitized}' has {value.Length} characters; MLflow 3 keeps at most {MlflowLimits.MaxTagValueLength} (its MAX_TAG_VAL_LENGTH), so it is cut.");
            value = Cut(value, MlflowLimits.MaxTagValueLength);
        }
        return new RunTag(sanitized, value);
    }

    private (string File, string ArtifactPath) SaveFullParamValue(string key, string value)
    {
        var segments = key.Split('/');
        var folder = Path.Combine([RunFolder, "tracking-files", TruncatedParamsArtifactPath, .. segments[..^1]]);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, segments[^1] + ".txt");
        var temporary = file + $".{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, value);
        File.Move(temporary, file, overwrite: true);
        var artifactPath = string.Join('/', [TruncatedParamsArtifactPath, .. segments[..^1]]);
        return (file, artifactPath);
    }

    private void Warn(string key, string message)
    {
        lock (_warned)
        {
            if (!_warned.Add(key))
                return;
        }
        try
        {
            _options.Warn(SecretScanner.Redact(message, _secrets));
        }
        catch (Exception)
        {
            // A failing warning sink must not stop training.
        }
    }

    private void ReportBackendProblem(Exception exception)
    {
        _problem = SecretScanner.Redact(exception.Message, _secrets);
        Warn("backend",
            $"MLflow tracking at {TrackingUri} is not available: {exception.Message} Training goes on; tracking events are kept in " +
            $"'{_journal.JournalPath}' and sent when the backend is back, at the end of the run, or by Sync.");
    }

    private static string Cut(string value, int length)
    {
        if (value.Length <= length)
            return value;
        // Never split a surrogate pair.
        return char.IsHighSurrogate(value[length - 1]) ? value[..(length - 1)] : value[..length];
    }

    private static string Short(string value) => value.Length <= 80 ? value : value[..77] + "...";

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(value => !string.IsNullOrWhiteSpace(value));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
