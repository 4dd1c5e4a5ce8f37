namespace ImdbExperiments.Tracking;

/// <summary>
/// The run's best model, to become an MLflow 3 LoggedModel: its artifacts (<see cref="LocalFolder"/>, laid out by
/// <see cref="MlflowModelFile.Package"/>), params, tags, and the metrics it was chosen by, measured on one dataset.
/// </summary>
/// <param name="Key">what the model is (the train stage key): the same key is logged once per run, whatever the re-runs</param>
/// <param name="Step">the step the run's output names (<see cref="LoggedModelOutput.Step"/>): the step of the model's metrics</param>
public sealed record LoggedModelRequest(
    string Key,
    string Name,
    string LocalFolder,
    IReadOnlyList<Param> Parameters,
    IReadOnlyList<RunTag> Tags,
    IReadOnlyList<Metric> Metrics,
    string? DatasetName = null,
    string? DatasetDigest = null,
    string ModelType = MlflowModelFile.TransformersFlavor,
    long Step = 0);
