namespace ImdbExperiments.Tracking;

/// <summary>
/// Feeds a backend from a journal, in journal order, from the acknowledged offset on, writing the ack after each
/// delivered step. Replays are idempotent: the run is found again by its journal key instead of being created twice,
/// metric points the backend already holds are skipped, and params are only ever sent with their one journaled value.
/// </summary>
internal sealed class JournalSender(RunJournal journal, ITrackingBackend backend, Action<string, string> warn, IReadOnlyList<string> secrets)
{
    // Consecutive log events are merged into one backend call of at most this many entities.
    private const int MaxEntitiesPerCall = 10 * MlflowLimits.MaxMetricsPerBatch;

    /// <summary>Until a send succeeds, anything pending may already have reached the backend.</summary>
    public bool MayHaveBeenSent { get; set; } = true;

    /// <summary>Sends everything pending. Throws <see cref="TrackingException"/> when the backend fails; what was delivered stays acknowledged.</summary>
    public async Task<int> SendPendingAsync(CancellationToken cancellationToken)
    {
        var ack = journal.ReadAck();
        var entries = journal.ReadEntries(ack.Offset);
        var delivered = 0;
        try
        {
            var index = 0;
            while (index < entries.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entry = entries[index];
                if (entry.Event is StartRunEvent start)
                {
                    ack = await EnsureRunAsync(start, ack, cancellationToken);
                    index++;
                }
                else
                {
                    var run = ack.Run ?? throw new TrackingException(
                        $"The journal '{journal.JournalPath}' has no start_run event before seq {entry.Event.Seq}, so its run cannot be created; the journal is damaged.", "INVALID_STATE");
                    if (entry.Event is LogEvent)
                    {
                        var last = index;
                        var logs = new List<LogEvent>();
                        var entities = 0;
                        while (last < entries.Count && entries[last].Event is LogEvent log && (logs.Count == 0 || entities + Count(log) <= MaxEntitiesPerCall))
                        {
                            logs.Add(log);
                            entities += Count(log);
                            last++;
                        }
                        await SendLogsAsync(run, logs, cancellationToken);
                        entry = entries[last - 1];
                        index = last;
                    }
                    else
                    {
                        await SendOtherAsync(run, entry.Event, cancellationToken);
                        index++;
                    }
                }
                ack = ack with { Offset = entry.EndOffset, Seq = entry.Event.Seq };
                journal.WriteAck(ack);
                delivered++;
            }
            MayHaveBeenSent = false;
            return delivered;
        }
        catch
        {
            MayHaveBeenSent = true;
            throw;
        }
    }

    private static int Count(LogEvent log) => log.Metrics.Count + log.Parameters.Count + log.Tags.Count;

    private async Task<JournalAck> EnsureRunAsync(StartRunEvent start, JournalAck ack, CancellationToken cancellationToken)
    {
        if (ack.RunId is not null)
            return ack;
        var experimentId = await backend.GetOrCreateExperimentAsync(start.Experiment, cancellationToken);
        // A crash between creating the run and writing the ack must not leave two runs.
        var run = await backend.FindRunByTagAsync(experimentId, TrackingTags.JournalRunKey, start.RunKey, cancellationToken);
        if (run is null)
        {
            // The spec's description (the run's mlflow.note.content) describes its experiment too, set as the run is created.
            if (start.Tags.FirstOrDefault(tag => tag.Key == TrackingTags.Note) is { } note)
                await backend.SetExperimentTagAsync(experimentId, note, cancellationToken);
            var tags = new List<RunTag>(start.Tags) { new(TrackingTags.JournalRunKey, start.RunKey) };
            if (start.ParentRunFolder is not null)
            {
                var parent = RunJournal.ReadAck(start.ParentRunFolder, RunJournal.JournalFileFor(start.ParentRunFolder, start.TrackingUri));
                if (parent.RunId is null)
                    throw new ParentRunNotReadyException(start.ParentRunFolder);
                tags.Add(new RunTag(TrackingTags.ParentRunId, parent.RunId));
            }
            run = await backend.CreateRunAsync(experimentId, start.RunName, start.StartTimeMs, start.User, tags, cancellationToken);
            // A run created just now cannot hold any of the pending events yet.
            MayHaveBeenSent = false;
        }
        return ack with { ExperimentId = run.ExperimentId.Length > 0 ? run.ExperimentId : experimentId, RunId = run.RunId, ArtifactUri = run.ArtifactUri, RunName = run.RunName };
    }

    private async Task SendLogsAsync(RunInfo run, List<LogEvent> logs, CancellationToken cancellationToken)
    {
        var metrics = logs.SelectMany(log => log.Metrics).ToList();
        var parameters = logs.SelectMany(log => log.Parameters).ToList();
        // The last value of a tag wins, as it would have had the events been sent one by one.
        var tags = logs.SelectMany(log => log.Tags).GroupBy(tag => tag.Key, StringComparer.Ordinal).Select(group => group.Last()).ToList();
        if (MayHaveBeenSent && metrics.Count > 0)
            metrics = await WithoutStoredMetricsAsync(run.RunId, metrics, cancellationToken);
        var rejected = await backend.LogBatchAsync(run.RunId, metrics, parameters, tags, cancellationToken);
        foreach (var rejection in rejected)
            warn($"rejected:{rejection.Kind}:{rejection.Key}", $"MLflow did not accept {rejection.Kind} '{rejection.Key}' of run '{run.RunName}': {rejection.Reason} It stays in '{journal.JournalPath}'.");
    }

    private async Task<List<Metric>> WithoutStoredMetricsAsync(string runId, List<Metric> metrics, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, IReadOnlyList<Metric>>(StringComparer.Ordinal);
        foreach (var key in metrics.Select(metric => metric.Key).Distinct(StringComparer.Ordinal))
        {
            if (MlflowLimits.IsValidKey(key))
                stored[key] = await backend.GetMetricHistoryAsync(runId, key, cancellationToken);
        }
        return metrics.Where(metric => !stored.TryGetValue(metric.Key, out var history) || !history.Any(metric.IsSamePointAs)).ToList();
    }

    private async Task SendOtherAsync(RunInfo run, JournalEvent journalEvent, CancellationToken cancellationToken)
    {
        try
        {
            switch (journalEvent)
            {
                case InputsEvent inputs:
                    await backend.LogInputsAsync(run.RunId, inputs.Datasets, cancellationToken);
                    break;
                case ArtifactEvent artifact:
                    var localPath = journal.ResolveLocalPath(artifact.LocalPath);
                    if (!File.Exists(localPath) && !Directory.Exists(localPath))
                    {
                        warn($"artifact-missing:{localPath}", $"Artifact '{localPath}' of run '{run.RunName}' no longer exists and cannot be logged.");
                        return;
                    }
                    if (FindSecret(localPath) is { } file)
                    {
                        warn($"artifact-secret:{file}", $"Artifact '{file}' contains the MLflow tracking credentials and is not logged.");
                        return;
                    }
                    try
                    {
                        await backend.LogArtifactAsync(run, localPath, artifact.ArtifactPath, cancellationToken);
                    }
                    catch (TrackingException exception) when (exception.ErrorCode == DeferredArtifacts.UnreachableErrorCode)
                    {
                        // The rest of the run still goes out; this artifact waits, counted as pending, for a Sync.
                        DeferredArtifacts.Add(journal.RunFolder, journal.JournalFile, artifact.Seq);
                        warn("artifacts-unreachable", exception.Message);
                    }
                    break;
                case LoggedModelEvent model:
                    try
                    {
                        await LoggedModelSender.SendAsync(journal, backend, run, model, cancellationToken);
                    }
                    catch (TrackingException exception) when (exception.ErrorCode == DeferredArtifacts.UnreachableErrorCode)
                    {
                        // Created, not finalized: the model's files wait with the run's other unreachable artifacts.
                        DeferredArtifacts.Add(journal.RunFolder, journal.JournalFile, model.Seq);
                        warn("artifacts-unreachable", exception.Message);
                    }
                    break;
                case StatusEvent status:
                    await backend.UpdateRunAsync(run.RunId, status.Status, status.EndTimeMs, cancellationToken);
                    break;
            }
        }
        catch (TrackingException exception) when (!exception.IsTransient && exception.ErrorCode == "INVALID_PARAMETER_VALUE")
        {
            // The backend will never take this event: say so once and move on to the rest.
            warn($"rejected-event:{journalEvent.Seq}", $"MLflow did not accept journal event {journalEvent.Seq} of run '{run.RunName}': {exception.Message} It stays in '{journal.JournalPath}'.");
        }
    }

    /// <summary>Tries the artifacts deferred by <see cref="DeferredArtifacts"/> again; returns how many are still waiting.</summary>
    public async Task<int> SendDeferredAsync(CancellationToken cancellationToken)
    {
        var deferred = DeferredArtifacts.Read(journal.RunFolder, journal.JournalFile);
        if (deferred.Count == 0)
            return 0;
        var run = journal.ReadAck().Run;
        if (run is null)
            return deferred.Count;
        var events = journal.ReadEntries(0).Select(entry => entry.Event).Where(e => e is ArtifactEvent or LoggedModelEvent && deferred.Contains(e.Seq)).ToList();
        foreach (var artifact in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DeferredArtifacts.Remove(journal.RunFolder, journal.JournalFile, artifact.Seq);
            // Sent as the journal would: re-deferred when the store is still unreachable.
            await SendOtherAsync(run, artifact, cancellationToken);
        }
        return DeferredArtifacts.Count(journal.RunFolder, journal.JournalFile);
    }

    private string? FindSecret(string path)
    {
        if (secrets.Count == 0)
            return null;
        var files = File.Exists(path) ? [path] : Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories);
        return files.FirstOrDefault(file => SecretScanner.Contains(file, secrets));
    }
}
