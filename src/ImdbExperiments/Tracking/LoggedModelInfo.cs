namespace ImdbExperiments.Tracking;

/// <summary>An MLflow 3 LoggedModel as a backend answers it (mlflow/entities/logged_model.py: model_id, artifact_location, source_run_id).</summary>
public sealed record LoggedModelInfo(string ModelId, string ExperimentId, string Name, string ArtifactUri, string? SourceRunId);
