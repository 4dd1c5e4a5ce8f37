namespace ImdbExperiments.Specs;

/// <summary>One experiment, as resolved from YAML after extends and overrides. The property attributes are the schema.</summary>
public sealed record ExperimentSpec
{
    [SpecKey("name"), SpecDefault("file name without extension")]
    [SpecPattern(SpecPatterns.Name, SpecPatterns.NameDescription)]
    [SpecDoc("Experiment name; the default MLflow experiment name.")]
    public string Name { get; init; } = "";

    [SpecKey("description"), SpecDoc("Free text describing the experiment.")]
    public string Description { get; init; } = "";

    [SpecKey("seed"), SpecRange(Min = 0, Max = int.MaxValue)]
    [SpecDoc("Seeds splits, initialization, dropout and data order.")]
    public int Seed { get; init; } = 42;

    [SpecKey("data"), SpecDoc("Where the reviews come from and how they are split.")]
    public DataSpec Data { get; init; } = new();

    [SpecKey("model"), SpecDoc("The encoder: exactly one source among name, path, onnx, package, init: random.")]
    public ModelSpec Model { get; init; } = new();

    [SpecKey("tokenizer"), SpecDoc("How review text becomes token ids.")]
    public TokenizerSpec Tokenizer { get; init; } = new();

    [SpecKey("training"), SpecDoc("Optimization hyperparameters and the training loop.")]
    public TrainingSpec Training { get; init; } = new();

    [SpecKey("tracking"), SpecDoc("MLflow tracking.")]
    public TrackingSpec Tracking { get; init; } = new();

    [SpecKey("sweep"), SpecDoc("When present, the spec is a sweep over the keys in sweep.parameters or sweep.list.")]
    public SweepSpec? Sweep { get; init; }
}
