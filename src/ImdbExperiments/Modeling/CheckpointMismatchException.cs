namespace ImdbExperiments.Modeling;

/// <summary>A checkpoint's keys or shapes do not fit the model; every problem is listed at once.</summary>
public sealed class CheckpointMismatchException(
    string message,
    IReadOnlyList<string> missing,
    IReadOnlyList<string> unexpected,
    IReadOnlyList<string> wrongShape) : Exception(message)
{
    /// <summary>Model keys the checkpoint lacks.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;

    /// <summary>Checkpoint keys the model has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; } = unexpected;

    /// <summary>"key: checkpoint [..], model [..]" for each shape disagreement.</summary>
    public IReadOnlyList<string> WrongShape { get; } = wrongShape;
}
