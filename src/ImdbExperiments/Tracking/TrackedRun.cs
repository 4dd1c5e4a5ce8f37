namespace ImdbExperiments.Tracking;

/// <summary>A run read back from a tracking server: its info, its data and its outputs (MLflow's Run message).</summary>
public sealed record TrackedRun(RunInfo Info, RunData Data)
{
    /// <summary>The LoggedModels the run produced (run.outputs.model_outputs).</summary>
    public IReadOnlyList<LoggedModelOutput> ModelOutputs { get; init; } = [];
}
