namespace ImdbExperiments.Sweeps;

/// <summary>How <see cref="SweepExecution"/> runs a sweep.</summary>
public sealed record SweepExecutionOptions
{
    /// <summary>Trials at once in this process (<c>--parallel</c>), at least 1.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>
    /// One of several workers of a shared study (<c>--worker</c>): take trials from the study until its budget is spent; the
    /// worker that holds the parent run waits for the others' trials and ends the parent, the others just stop.
    /// </summary>
    public bool Worker { get; init; }

    /// <summary>How often a worker that holds the parent looks again at a study whose last trials other workers run.</summary>
    public TimeSpan WorkerPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives each whole line the sweep prints (never a part of one), from any trial's thread.</summary>
    public Action<string> Output { get; init; } = _ => { };
}
