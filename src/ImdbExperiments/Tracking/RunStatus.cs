namespace ImdbExperiments.Tracking;

/// <summary>MLflow's run status; the numbers are the ones MLflow's file store writes into a run's meta.yaml.</summary>
public enum RunStatus
{
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}
