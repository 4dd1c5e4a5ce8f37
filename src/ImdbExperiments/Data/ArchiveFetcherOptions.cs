namespace ImdbExperiments.Data;

/// <summary>
/// Retry and timeout settings of <see cref="ArchiveFetcher"/>. Each URL gets up to 1 + <see cref="MaxRetryAttempts"/>
/// attempts, waiting <see cref="RetryBaseDelay"/> x 2^attempt (with jitter) between them; a transfer that delivers no bytes for
/// <see cref="ReadTimeout"/> counts as a failed attempt. A retry resumes where the previous attempt stopped.
/// </summary>
public sealed record ArchiveFetcherOptions
{
    public int MaxRetryAttempts { get; init; } = 4;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait a server's Retry-After header may ask for.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Told about each failed attempt that will be retried (for a log line); null to stay quiet.</summary>
    public Action<string>? OnRetry { get; init; }
}
