
namespace ImdbExperiments.Tracking;

/// <summary>One MLflow run as read back from a tracking store: what comparisons and reports are made of.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }

    public required string ExperimentId { get; init; }

    public required string Name { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Running;

    public DateTimeOffset StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Each metric's latest value, chosen as MLflow does: the point with the largest (step, timestamp, value).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Each metric's points, ordered by step, then timestamp.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Metric>> MetricHistories { get; init; } = new Dictionary<string, IReadOnlyList<Metric>>();

    /// <summary>The LoggedModels the run produced, as MLflow 3's log_outputs lists them (the run's outputs); its weights are the model's artifacts, not the run's.</summary>
    public IReadOnlyList<LoggedModelOutput> ModelOutputs { get; init; } = [];

    public string? ParentRunId => Tags.GetValueOrDefault(TrackingTags.ParentRunId);

    /// <summary>End minus start; null while the run has no end time.</summary>
    public TimeSpan? Duration => EndTime - StartTime;
}
