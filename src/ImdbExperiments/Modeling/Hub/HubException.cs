namespace ImdbExperiments.Modeling.Hub;

/// <summary>A Hub download failure. Messages name the repo, revision and file and never contain the token.</summary>
public sealed class HubException : Exception
{
    public HubException(HubErrorKind kind, string message, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
    }

    public HubErrorKind Kind { get; }

    /// <summary>The HTTP status behind the error, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>Commit the Hub reported with the error (X-Repo-Commit), used to record missing files as huggingface_hub does.</summary>
    internal string? RepoCommit { get; init; }

    /// <summary>Server-requested wait before retrying (Retry-After).</summary>
    internal TimeSpan? RetryAfter { get; init; }

    internal bool IsTransient => Kind is HubErrorKind.ServerError or HubErrorKind.RateLimited || StatusCode == 408;
}
