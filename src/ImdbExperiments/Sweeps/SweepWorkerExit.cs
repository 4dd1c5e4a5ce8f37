namespace ImdbExperiments.Sweeps;

/// <summary>How a worker process of a <c>--parallel</c> sweep ended.</summary>
/// <param name="ExitCode">Its exit code (128 + the signal when a signal killed it, e.g. 137 for kill -9).</param>
/// <param name="ProcessId">Its process id: a claim it died holding names it.</param>
public sealed record SweepWorkerExit(int ExitCode, int ProcessId);
