namespace ImdbExperiments.Tracking;

/// <summary>
/// A tracking backend refused or could not take a request. <see cref="ErrorCode"/> and the message carry
/// MLflow's own <c>error_code</c> and <c>message</c> when the server sent them.
/// </summary>
public sealed class TrackingException : Exception
{
    public TrackingException(string message, string? errorCode = null, int? httpStatus = null, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        HttpStatus = httpStatus;
        IsTransient = isTransient;
    }

    /// <summary>MLflow's error code, e.g. INVALID_PARAMETER_VALUE or RESOURCE_DOES_NOT_EXIST.</summary>
    public string? ErrorCode { get; }

    public int? HttpStatus { get; }

    /// <summary>True when trying again later may succeed (server down, overloaded, timed out).</summary>
    public bool IsTransient { get; }

    /// <summary>MLflow's message for a param logged again with another value (400 on SQL stores, 500 inside log-batch on file stores).</summary>
    internal const string ParamChangeMessage = "Changing param values is not allowed";

    internal bool IsParamConflict => Message.Contains(ParamChangeMessage, StringComparison.Ordinal);
}
