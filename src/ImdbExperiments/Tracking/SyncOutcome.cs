namespace ImdbExperiments.Tracking;

public enum SyncOutcome
{
    /// <summary>Nothing was pending.</summary>
    UpToDate,

    /// <summary>Every pending event reached the backend.</summary>
    Synced,

    /// <summary>A running process holds the run's journal; it sends the events itself.</summary>
    InUse,

    /// <summary>The backend failed; what is still pending stays in the journal.</summary>
    Failed,

    /// <summary>The journal logs to another tracking target than today's; listed, not contacted (Sync --all sends it).</summary>
    OtherTarget,
}
