namespace ImdbExperiments.Tracking;

/// <summary>
/// Where runs are recorded: MLflow's file store (<see cref="MlflowFileStore"/>) or an MLflow server
/// (<see cref="MlflowRestClient"/>). Calls may block on I/O and throw <see cref="TrackingException"/>;
/// training code never calls a backend directly, it logs through <see cref="RunTracker"/>, whose journal feeds it.
/// </summary>
public interface ITrackingBackend : IDisposable
{
    /// <summary>The tracking URI without credentials, safe to print and to store.</summary>
    string DisplayUri { get; }

    /// <summary>The id of the active experiment with this name, created when there is none.</summary>
    Task<string> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Sets a tag of an experiment (MLflow shows the tag mlflow.note.content as the experiment's description).</summary>
    Task SetExperimentTagAsync(string experimentId, RunTag tag, CancellationToken cancellationToken = default);

    Task<RunInfo> CreateRunAsync(string experimentId, string runName, long startTimeMs, string userId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default);

    /// <summary>An active run of the experiment carrying this tag value, or null.</summary>
    Task<RunInfo?> FindRunByTagAsync(string experimentId, string tagKey, string tagValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Logs everything, in as many requests as MLflow's limits need. A param whose stored value differs is
    /// not logged and comes back as rejected; everything else in the batch is still logged.
    /// </summary>
    Task<IReadOnlyList<RejectedEntity>> LogBatchAsync(string runId, IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default);

    Task SetTagAsync(string runId, RunTag tag, CancellationToken cancellationToken = default);

    Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> datasets, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Metric>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default);

    Task UpdateRunAsync(string runId, RunStatus status, long? endTimeMs, CancellationToken cancellationToken = default);

    /// <summary>
    /// A file goes to <c>&lt;artifactPath&gt;/&lt;file name&gt;</c>; a folder's contents go under <c>artifactPath</c>
    /// (the artifact root when null), as MLflow's log_artifact and log_artifacts do.
    /// </summary>
    Task LogArtifactAsync(RunInfo run, string localPath, string? artifactPath, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates an MLflow 3 LoggedModel (status PENDING) in the experiment, produced by <paramref name="sourceRunId"/>; its
    /// artifacts live under the answered <see cref="LoggedModelInfo.ArtifactUri"/> (&lt;experiment location&gt;/models/&lt;id&gt;/artifacts).
    /// </summary>
    Task<LoggedModelInfo> CreateLoggedModelAsync(string experimentId, string name, string sourceRunId, string? modelType, CancellationToken cancellationToken = default);

    /// <summary>Params of a LoggedModel; like a run's, a param keeps its first value.</summary>
    Task LogLoggedModelParamsAsync(string modelId, IReadOnlyList<Param> parameters, CancellationToken cancellationToken = default);

    /// <summary>Tags of a LoggedModel; a tag logged again takes the new value.</summary>
    Task SetLoggedModelTagsAsync(string modelId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default);

    /// <summary>
    /// Metric points of the run that are the model's (MLflow 3 metrics carry model_id, dataset_name, dataset_digest):
    /// the model shows them, linked to the dataset they were measured on.
    /// </summary>
    Task LogLoggedModelMetricsAsync(string runId, string modelId, IReadOnlyList<Metric> metrics, string? datasetName, string? datasetDigest, CancellationToken cancellationToken = default);

    /// <summary>A folder's files under the model's artifact location (same rules as <see cref="LogArtifactAsync"/>).</summary>
    Task LogLoggedModelArtifactsAsync(LoggedModelInfo model, string localFolder, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists LoggedModels among the run's outputs (MLflow 3's log_outputs, POST runs/outputs), as log_model does right after
    /// creating the model. A model the run already lists is not added again (MLflow's SQL store would refuse the duplicate row).
    /// </summary>
    Task LogOutputsAsync(string runId, IReadOnlyList<LoggedModelOutput> models, CancellationToken cancellationToken = default);

    /// <summary>Marks the LoggedModel READY: its artifacts are complete.</summary>
    Task FinalizeLoggedModelAsync(string modelId, CancellationToken cancellationToken = default);
}
