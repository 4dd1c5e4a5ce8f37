namespace ImdbExperiments.Sweeps;

/// <summary>What a sweep run ended with.</summary>
/// <param name="Summary">The trials this run knows of (its own and, with a study, those other workers finished), best first.</param>
/// <param name="TrialCount">The sweep's budget of trials.</param>
/// <param name="ParentEnded">True when this process ended the parent run (a worker that did not hold it leaves that to the one that does).</param>
public sealed record SweepExecutionResult(SweepSummary Summary, int TrialCount, bool ParentEnded)
{
    /// <summary>Worker processes of <see cref="SweepExecution.RunParallelAsync"/> that exited with an error.</summary>
    public int WorkersFailed => WorkerFailures.Count;

    /// <summary>Those workers, each with the trial it died holding.</summary>
    public IReadOnlyList<SweepWorkerFailure> WorkerFailures { get; init; } = [];
}
