namespace ImdbExperiments.Tracking;

/// <summary>A run read back from a tracking server: its info and its data (MLflow's Run message).</summary>
public sealed record TrackedRun(RunInfo Info, RunData Data);
