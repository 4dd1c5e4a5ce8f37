namespace ImdbExperiments.Tracking;

/// <summary>A run about to start: its folder (which holds the journal) and what MLflow shows for it.</summary>
public sealed record RunStart(string RunFolder)
{
    public string? RunName { get; init; }

    /// <summary>Tags set when the run is created, e.g. <see cref="TrackingTags.System"/>.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}
