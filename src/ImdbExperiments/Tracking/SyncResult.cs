namespace ImdbExperiments.Tracking;

/// <summary>What a Sync of one run folder did.</summary>
public sealed record SyncResult(string RunFolder, SyncOutcome Outcome, int SentEvents, long PendingEvents, string? RunId, string? Message)
{
    /// <summary>The target the journal logs to (its start_run event's tracking URI, without credentials).</summary>
    public string? TrackingUri { get; init; }
}
