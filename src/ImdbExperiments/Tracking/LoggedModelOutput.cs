namespace ImdbExperiments.Tracking;

/// <summary>
/// A LoggedModel that a run produced, as MLflow 3 links them (mlflow/entities/logged_model_output.py; the ModelOutput
/// message of service.proto: model_id, step): the run's outputs list it, the model's artifacts stay in its own location.
/// </summary>
/// <param name="Step">the training step the model is from (MLflow's log_model step; here the best evaluation's)</param>
public sealed record LoggedModelOutput(string ModelId, long Step);
