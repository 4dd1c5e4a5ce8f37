namespace ImdbExperiments.Tracking;

/// <summary>Which journals a Sync of many run folders sends.</summary>
public sealed record SyncSelection
{
    /// <summary>Also send journals of other tracking targets than today's (each to its own target, never with today's credentials).</summary>
    public bool AllTargets { get; init; }

    /// <summary>Only runs of this MLflow experiment (the one a spec's runs log to); null = every experiment.</summary>
    public string? Experiment { get; init; }

    /// <summary>Only runs whose mlflow.source.name is this spec file (runs without the tag match); null = any.</summary>
    public string? SourceName { get; init; }
}
