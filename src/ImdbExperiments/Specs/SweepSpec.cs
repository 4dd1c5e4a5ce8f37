namespace ImdbExperiments.Specs;

/// <summary>A sweep: the trials to run, the metric that ranks them and its goal.</summary>
public sealed record SweepSpec
{
    [SpecKey("method"), SpecDoc("grid: every combination; random: sampled trials; list: the trials in sweep.list; tpe: each trial proposed from the results so far (Optuna's TPE).")]
    public SweepMethod Method { get; init; } = SweepMethod.Grid;

    [SpecKey("parameters"), SpecType("map: spec key -> list of values, or a distribution (random and tpe)")]
    [SpecDoc("Dotted spec keys (e.g. training.learning_rate) and the values to try; sorted by key.")]
    public IReadOnlyList<SweepParameter> Parameters { get; init; } = [];

    [SpecKey("trials"), SpecRange(Min = 1), SpecDoc("Number of trials; required with method: random and tpe, else unused.")]
    public int? Trials { get; init; }

    [SpecKey("list"), SpecType("list of maps: spec key -> value")]
    [SpecDoc("The explicit trials of method: list.")]
    public IReadOnlyList<IReadOnlyDictionary<string, string>> List { get; init; } = [];

    [SpecKey("seed"), SpecRange(Min = 0, Max = int.MaxValue), SpecDoc("Seed of random and tpe sampling; null = the top-level seed.")]
    public int? Seed { get; init; }

    [SpecKey("metric"), SpecEnumText(typeof(ValidationMetric), "validation/"), SpecDoc("Metric that ranks the trials.")]
    public string Metric { get; init; } = "validation/f1";

    [SpecKey("goal"), SpecDoc("Whether a larger or a smaller metric is better.")]
    public SweepGoal Goal { get; init; } = SweepGoal.Maximize;

    [SpecKey("tpe"), SpecDoc("Settings of method: tpe; null = the defaults.")]
    public SweepTpeSpec? Tpe { get; init; }

    [SpecKey("early_stopping"), SpecDoc("Stop unpromising trials early; null = run every trial to the end.")]
    public SweepEarlyStoppingSpec? EarlyStopping { get; init; }
}
