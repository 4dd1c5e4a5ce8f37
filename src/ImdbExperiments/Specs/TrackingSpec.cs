namespace ImdbExperiments.Specs;

/// <summary>MLflow tracking of the run.</summary>
public sealed record TrackingSpec
{
    [SpecKey("enabled"), SpecDoc("Log the run to MLflow.")]
    public bool Enabled { get; init; } = true;

    [SpecKey("uri"), SpecCredentials, SpecPattern(@"^(sqlite:///\S+|file:\S*|https?://\S+)\z", "a sqlite:///, file:, http:// or https:// URI")]
    [SpecDoc("Tracking URI; null = env MLFLOW_TRACKING_URI, else sqlite:///mlflow.db (MLflow's default since 3.7).")]
    public string? Uri { get; init; }

    [SpecKey("experiment"), SpecPattern(SpecPatterns.ExperimentName, SpecPatterns.ExperimentNameDescription)]
    [SpecDoc("MLflow experiment name; null = env MLFLOW_EXPERIMENT_NAME, else the spec name.")]
    public string? Experiment { get; init; }

    [SpecKey("run_name"), SpecPattern(SpecPatterns.Name, SpecPatterns.NameDescription)]
    [SpecDoc("MLflow run name and the run folder's name (artifacts/runs/<run_name>); null = <name>-<spec hash prefix>.")]
    public string? RunName { get; init; }

    [SpecKey("log_model"), SpecDoc("Log the best model as an MLflow 3 LoggedModel, the run's output (its weights stored once, as the model's artifacts).")]
    public bool LogModel { get; init; } = true;

    [SpecKey("tags"), SpecDoc("Extra MLflow run tags.")]
    public IReadOnlyDictionary<string, string> Tags { get; init; } = SpecCollections.EmptyMap;
}
