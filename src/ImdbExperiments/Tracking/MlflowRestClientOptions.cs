namespace ImdbExperiments.Tracking;

/// <summary>How hard the REST client tries before it reports a server as unreachable.</summary>
public sealed record MlflowRestClientOptions
{
    /// <summary>Retries after the first attempt, for 429, 5xx, connection failures and timeouts only.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First backoff delay; it doubles (with jitter) on every retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-attempt limit for one artifact upload (model files are large).</summary>
    public TimeSpan ArtifactAttemptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Accept any TLS certificate (MLFLOW_TRACKING_INSECURE_TLS=true); null reads the environment.</summary>
    public bool? InsecureTls { get; init; }
}
