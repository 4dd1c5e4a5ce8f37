namespace ImdbExperiments.Sweeps;

/// <summary>What one trial produced, as the caller's trial delegate (or its cache) reports it.</summary>
public sealed record TrialResult
{
    public TrialStatus Status { get; init; } = TrialStatus.Completed;

    /// <summary>
    /// The trial's final metrics by MLflow key (validation/f1, test/accuracy, ...): those of the checkpoint it keeps.
    /// The sweep metric is read from here.
    /// </summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>The sweep metric after each evaluation, in order: what the median rule compares later trials with.</summary>
    public IReadOnlyList<double> Evaluations { get; init; } = [];

    /// <summary>A pruned trial: the evaluation (from 1) after which the sweep's early-stopping rule stopped it.</summary>
    public int? PrunedAt { get; init; }

    /// <summary>The trial's MLflow run id, when known.</summary>
    public string? RunId { get; init; }

    /// <summary>Why a failed trial failed.</summary>
    public string? Error { get; init; }
}
