namespace ImdbExperiments.Sweeps;

/// <summary>The MLflow tags a sweep sets: the parent run describes the sweep, each child run names its trial.</summary>
public static class SweepTags
{
    /// <summary>Child: the trial's name (trial-003).</summary>
    public const string Trial = "sweep/trial";

    /// <summary>Child: the trial's position in the plan, from 0.</summary>
    public const string TrialIndex = "sweep/trial_index";

    /// <summary>Child: the trial spec's hash.</summary>
    public const string SpecHash = "sweep/spec_hash";

    /// <summary>Child of a pruned trial (MLflow status KILLED): the evaluation, from 1, after which it was stopped.</summary>
    public const string PrunedAt = "sweep/pruned_at";

    /// <summary>Child whose worker died while running it (its attempt ended FAILED before it ran again): who that worker was.</summary>
    public const string WorkerDied = "sweep/worker_died";

    /// <summary>Parent: grid, random, list or tpe.</summary>
    public const string Method = "sweep/method";

    /// <summary>Parent: the metric that ranks the trials (validation/f1).</summary>
    public const string Metric = "sweep/metric";

    /// <summary>Parent: maximize or minimize.</summary>
    public const string Goal = "sweep/goal";

    /// <summary>Parent: the swept keys, comma-separated, in key order.</summary>
    public const string Parameters = "sweep/parameters";

    /// <summary>Parent: how many trials the plan has.</summary>
    public const string TrialCount = "sweep/trials";

    /// <summary>Parent, at the end: the best trial's name and run id.</summary>
    public const string BestTrial = "sweep/best_trial";

    public const string BestRunId = "sweep/best_run_id";
}
