namespace ImdbExperiments.Tracking;

/// <summary>
/// Sends what run journals hold but their backend has not acknowledged (the Cake Sync target, and the end of
/// every run). Idempotent: a run already created is found again, stored metric points are not sent twice, and
/// params go out with their one journaled value. Each journal goes to the tracking URI recorded when its run started.
/// </summary>
public static class TrackingSync
{
    public static async Task<SyncResult> SyncAsync(string runFolder, TrackingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TrackingOptions();
        runFolder = Path.GetFullPath(runFolder);
        if (!RunJournal.Exists(runFolder))
            return new SyncResult(runFolder, SyncOutcome.UpToDate, 0, 0, null, $"'{runFolder}' has no tracking journal.");
        using var journal = RunJournal.TryOpen(runFolder, forAppend: false, fsync: false);
        if (journal is null)
            return new SyncResult(runFolder, SyncOutcome.InUse, 0, RunJournal.PendingEvents(runFolder), null, "A running process holds this run's journal and sends its events itself.");
        var secrets = options.Secrets;
        var ack = journal.ReadAck();
        var pending = journal.ReadEntries(ack.Offset).Count + DeferredArtifacts.Count(runFolder);
        if (pending == 0)
            return new SyncResult(runFolder, SyncOutcome.UpToDate, 0, 0, ack.RunId, null);
        if (journal.ReadEntries(0).Select(entry => entry.Event).OfType<StartRunEvent>().FirstOrDefault() is not { } start)
            return new SyncResult(runFolder, SyncOutcome.Failed, 0, pending, null, $"The journal '{journal.JournalPath}' has no start_run event; it cannot be replayed.");

        var warned = new HashSet<string>(StringComparer.Ordinal);
        void Warn(string key, string message)
        {
            if (warned.Add(key))
                options.Warn(SecretScanner.Redact(message, secrets));
        }
        try
        {
            using var backend = options.CreateBackend(start.TrackingUri);
            var sender = new JournalSender(journal, backend, Warn, secrets) { MayHaveBeenSent = true };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var sent = await sender.SendPendingAsync(cancellationToken);
                    var deferred = await sender.SendDeferredAsync(cancellationToken);
                    return new SyncResult(runFolder, SyncOutcome.Synced, sent, journal.ReadEntries(journal.ReadAck().Offset).Count + deferred, journal.ReadAck().RunId,
                        deferred == 0 ? null : $"{deferred} artifact events wait in '{journal.JournalPath}': the run's artifact store cannot be written from here (see the warning).");
                }
                catch (ParentRunNotReadyException exception) when (attempt == 0)
                {
                    var parent = await SyncAsync(exception.ParentRunFolder, options, cancellationToken);
                    if (parent.Outcome is SyncOutcome.Failed or SyncOutcome.InUse)
                        return new SyncResult(runFolder, SyncOutcome.Failed, 0, pending, null, $"Its parent run '{exception.ParentRunFolder}' could not be synced first: {parent.Message}");
                }
            }
        }
        catch (Exception exception) when (exception is TrackingException or ParentRunNotReadyException or IOException or ArgumentException or InvalidDataException)
        {
            var left = journal.ReadEntries(journal.ReadAck().Offset).Count + DeferredArtifacts.Count(runFolder);
            return new SyncResult(runFolder, SyncOutcome.Failed, pending - left, left, journal.ReadAck().RunId, SecretScanner.Redact(exception.Message, secrets));
        }
    }

    /// <summary>Syncs every run folder under <paramref name="runsRoot"/> (parents before their children); folders in use are skipped.</summary>
    public static async Task<IReadOnlyList<SyncResult>> SyncAllAsync(string runsRoot, TrackingOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(runsRoot))
            return [];
        var folders = Directory.EnumerateFiles(runsRoot, RunJournal.JournalFileName, SearchOption.AllDirectories)
            .Select(file => Path.GetDirectoryName(file)!)
            .OrderBy(folder => folder.Count(c => c == Path.DirectorySeparatorChar))
            .ThenBy(folder => folder, StringComparer.Ordinal)
            .ToList();
        var results = new List<SyncResult>();
        foreach (var folder in folders)
            results.Add(await SyncAsync(folder, options, cancellationToken));
        return results;
    }
}
