namespace ImdbExperiments.Tracking;

/// <summary>
/// Sends what run journals hold but their backend has not acknowledged (the Cake Sync target, and the end of
/// every run). Idempotent: a run already created is found again, stored metric points are not sent twice, and
/// params go out with their one journaled value. A run folder has a journal per tracking target; each journal goes
/// only to the target its start_run event names, and gets today's credentials only when that is today's target
/// (<see cref="TrackingTarget.Of"/>); journals of other targets are listed, not contacted, unless asked for.
/// </summary>
public static class TrackingSync
{
    /// <summary>Sends the journal of <paramref name="runFolder"/> for today's target (that of <paramref name="options"/>).</summary>
    public static async Task<SyncResult> SyncAsync(string runFolder, TrackingOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TrackingOptions();
        runFolder = Path.GetFullPath(runFolder);
        var today = TrackingTarget.Of(options).Uri;
        var file = RunJournal.JournalFileFor(runFolder, today);
        if (!RunJournal.Exists(runFolder, file))
            return new SyncResult(runFolder, SyncOutcome.UpToDate, 0, 0, null, $"'{runFolder}' has no tracking journal for {today}.") { TrackingUri = today };
        return await SyncJournalAsync(runFolder, file, options, cancellationToken);
    }

    /// <summary>Sends one journal of a run folder to the target it names (with today's credentials only when that is today's target).</summary>
    public static async Task<SyncResult> SyncJournalAsync(string runFolder, string journalFile, TrackingOptions options, CancellationToken cancellationToken = default)
    {
        runFolder = Path.GetFullPath(runFolder);
        if (!RunJournal.Exists(runFolder, journalFile))
            return new SyncResult(runFolder, SyncOutcome.UpToDate, 0, 0, null, $"'{runFolder}' has no tracking journal '{journalFile}'.");
        using var journal = RunJournal.TryOpen(runFolder, forAppend: false, fsync: false, journalFile);
        if (journal is null)
            return new SyncResult(runFolder, SyncOutcome.InUse, 0, RunJournal.PendingEvents(runFolder, journalFile), null, "A running process holds this run's journal and sends its events itself.");
        var secrets = options.Secrets;
        var ack = journal.ReadAck();
        var pending = journal.ReadEntries(ack.Offset).Count + DeferredArtifacts.Count(runFolder, journalFile);
        var start = journal.ReadEntries(0).Select(entry => entry.Event).OfType<StartRunEvent>().FirstOrDefault();
        if (pending == 0)
            return new SyncResult(runFolder, SyncOutcome.UpToDate, 0, 0, ack.RunId, null) { TrackingUri = start?.TrackingUri };
        if (start is null)
            return new SyncResult(runFolder, SyncOutcome.Failed, 0, pending, null, $"The journal '{journal.JournalPath}' has no start_run event; it cannot be replayed.");
        // Today's credentials belong to today's target: an old journal naming another server never sees them.
        var sendOptions = start.TrackingUri == TrackingTarget.Of(options).Uri ? options : options.WithoutCredentials();

        var warned = new HashSet<string>(StringComparer.Ordinal);
        void Warn(string key, string message)
        {
            if (warned.Add(key))
                options.Warn(SecretScanner.Redact(message, secrets));
        }
        try
        {
            using var backend = sendOptions.CreateBackend(start.TrackingUri);
            var sender = new JournalSender(journal, backend, Warn, secrets) { MayHaveBeenSent = true };
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var sent = await sender.SendPendingAsync(cancellationToken);
                    var deferred = await sender.SendDeferredAsync(cancellationToken);
                    return new SyncResult(runFolder, SyncOutcome.Synced, sent, journal.ReadEntries(journal.ReadAck().Offset).Count + deferred, journal.ReadAck().RunId,
                        deferred == 0 ? null : $"{deferred} artifact events wait in '{journal.JournalPath}': the run's artifact store cannot be written from here (see the warning).") { TrackingUri = start.TrackingUri };
                }
                catch (ParentRunNotReadyException exception) when (attempt == 0)
                {
                    var parentFolder = Path.GetFullPath(exception.ParentRunFolder);
                    var parent = await SyncJournalAsync(parentFolder, RunJournal.JournalFileFor(parentFolder, start.TrackingUri), options, cancellationToken);
                    if (parent.Outcome is SyncOutcome.Failed or SyncOutcome.InUse)
                        return new SyncResult(runFolder, SyncOutcome.Failed, 0, pending, null, $"Its parent run '{exception.ParentRunFolder}' could not be synced first: {parent.Message}") { TrackingUri = start.TrackingUri };
                }
            }
        }
        catch (Exception exception) when (exception is TrackingException or ParentRunNotReadyException or IOException or ArgumentException or InvalidDataException)
        {
            var left = journal.ReadEntries(journal.ReadAck().Offset).Count + DeferredArtifacts.Count(runFolder, journalFile);
            return new SyncResult(runFolder, SyncOutcome.Failed, pending - left, left, journal.ReadAck().RunId, SecretScanner.Redact(exception.Message, secrets)) { TrackingUri = start.TrackingUri };
        }
    }

    /// <summary>
    /// Syncs the journals of the run folders under <paramref name="runsRoot"/> that <paramref name="selection"/> picks (parents
    /// before their children); folders in use are skipped, journals of other targets listed as <see cref="SyncOutcome.OtherTarget"/>.
    /// </summary>
    public static async Task<IReadOnlyList<SyncResult>> SyncAllAsync(string runsRoot, TrackingOptions? options = null, SyncSelection? selection = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new TrackingOptions();
        selection ??= new SyncSelection();
        if (!Directory.Exists(runsRoot))
            return [];
        var today = TrackingTarget.Of(options).Uri;
        var results = new List<SyncResult>();
        foreach (var (folder, file, start) in Journals(runsRoot))
        {
            if (selection.Experiment is { } experiment && start?.Experiment != experiment)
                continue;
            if (selection.SourceName is { } source && start?.Tags.FirstOrDefault(tag => tag.Key == TrackingTags.SourceName) is { } tag && tag.Value != source)
                continue;
            if (start is not null && start.TrackingUri != today && !selection.AllTargets)
            {
                var pending = RunJournal.PendingEvents(folder, file);
                results.Add(new SyncResult(folder, SyncOutcome.OtherTarget, 0, pending, null,
                    $"logs to {start.TrackingUri}, not today's {today}; not contacted (Sync --all sends it, without today's credentials)") { TrackingUri = start.TrackingUri });
                continue;
            }
            results.Add(await SyncJournalAsync(folder, file, options, cancellationToken));
        }
        return results;
    }

    /// <summary>
    /// The end-of-run catch-up: sends what earlier runs' journals of today's target still hold, within
    /// <see cref="TrackingOptions.CatchUpTimeout"/> in all, so a journal that cannot be sent never delays a run for long.
    /// </summary>
    public static async Task<IReadOnlyList<SyncResult>> CatchUpAsync(string runsRoot, string currentRunFolder, TrackingOptions options, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(runsRoot))
            return [];
        var today = TrackingTarget.Of(options).Uri;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.CatchUpTimeout);
        var current = Path.GetFullPath(currentRunFolder);
        var results = new List<SyncResult>();
        foreach (var (folder, file, start) in Journals(runsRoot))
        {
            if (folder == current || start?.TrackingUri != today || RunJournal.PendingEvents(folder, file) == 0)
                continue;
            if (budget.IsCancellationRequested)
                break;
            try
            {
                var result = await SyncJournalAsync(folder, file, options with { FinalFlushTimeout = options.CatchUpTimeout }, budget.Token);
                results.Add(result);
                if (result.Outcome == SyncOutcome.Failed)
                    break; // the same target just refused one: the rest wait for Sync
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        return results;
    }

    // Every journal under the root, parents before children, a folder's first target first.
    private static IEnumerable<(string Folder, string File, StartRunEvent? Start)> Journals(string runsRoot) =>
        Directory.EnumerateDirectories(runsRoot, "*", SearchOption.AllDirectories).Prepend(runsRoot)
            .Select(Path.GetFullPath)
            .OrderBy(folder => folder.Count(c => c == Path.DirectorySeparatorChar))
            .ThenBy(folder => folder, StringComparer.Ordinal)
            .SelectMany(folder => RunJournal.JournalFiles(folder).Select(file => (folder, file,
                RunJournal.ReadEntries(folder, 0, file).Select(entry => entry.Event).OfType<StartRunEvent>().FirstOrDefault())))
            .ToList();
}
