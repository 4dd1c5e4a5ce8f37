namespace ImdbExperiments.Tracking;

/// <summary>One line of a run's tracking.jsonl. <see cref="Seq"/> counts from 1 in the order events were logged.</summary>
internal abstract record JournalEvent
{
    public long Seq { get; init; }

    /// <summary>When the event was journaled, ms since the Unix epoch.</summary>
    public long TimeMs { get; init; }
}

internal sealed record StartRunEvent(
    string RunKey,
    string TrackingUri,
    string Experiment,
    string RunName,
    string User,
    long StartTimeMs,
    IReadOnlyList<RunTag> Tags,
    string? ParentRunFolder,
    string? ParentRunKey) : JournalEvent;

internal sealed record LogEvent(IReadOnlyList<Metric> Metrics, IReadOnlyList<Param> Parameters, IReadOnlyList<RunTag> Tags) : JournalEvent;

internal sealed record InputsEvent(IReadOnlyList<DatasetInput> Datasets) : JournalEvent;

/// <summary><see cref="LocalPath"/> is relative to the run folder when the file lies inside it.</summary>
internal sealed record ArtifactEvent(string LocalPath, string? ArtifactPath) : JournalEvent
{
    /// <summary>SHA-256 of what was logged (a folder: of its files' paths and contents); null in journals older than it.</summary>
    public string? Fingerprint { get; init; }
}

/// <summary>
/// The run's best model as an MLflow 3 LoggedModel, and the run's output (log_outputs) that names it at <see cref="Step"/>;
/// <see cref="LocalFolder"/> is stored like <see cref="ArtifactEvent.LocalPath"/>.
/// </summary>
internal sealed record LoggedModelEvent(
    string Key,
    string Name,
    string LocalFolder,
    string ModelType,
    IReadOnlyList<Param> Parameters,
    IReadOnlyList<RunTag> Tags,
    IReadOnlyList<Metric> Metrics,
    string? DatasetName,
    string? DatasetDigest,
    long Step) : JournalEvent;

internal sealed record StatusEvent(RunStatus Status, long? EndTimeMs) : JournalEvent;

/// <summary>A complete journal line: the event and the byte range it occupies.</summary>
internal sealed record JournalEntry(JournalEvent Event, long StartOffset, long EndOffset);
