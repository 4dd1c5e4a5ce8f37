namespace ImdbExperiments.Serving;

/// <summary>
/// A request the server answers with MLflow's error JSON (<c>{"error_code": ..., "message": ...}</c>, as
/// MlflowException.serialize_as_json writes it) and the HTTP status MLflow maps that code to.
/// </summary>
public sealed class ScoringException(int status, string errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>A databricks_pb2 ErrorCode name: BAD_REQUEST, TEMPORARILY_UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL_ERROR.</summary>
    public string ErrorCode { get; } = errorCode;

    public static ScoringException BadRequest(string message) => new(400, "BAD_REQUEST", message);
}
