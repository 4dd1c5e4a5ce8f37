namespace ImdbExperiments.Tracking;

/// <summary>Where a run's tracking stands when it ends.</summary>
public sealed record TrackingSummary(
    string TrackingUri,
    string? ExperimentId,
    string? RunId,
    long PendingEvents,
    string JournalPath,
    string? Problem)
{
    /// <summary>True when the backend has every event of the run.</summary>
    public bool AllSent => PendingEvents == 0;
}
