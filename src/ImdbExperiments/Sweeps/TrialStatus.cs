namespace ImdbExperiments.Sweeps;

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Trained to the end; ranks for best trial.</summary>
    Completed,

    /// <summary>Stopped early by the sweep's early-stopping rule; listed, never the best.</summary>
    Stopped,

    /// <summary>Threw; listed last with its error.</summary>
    Failed,
}
