namespace ImdbExperiments.Tracking;

/// <summary>Where and how a run is tracked. Defaults follow MLflow's environment conventions.</summary>
public sealed record TrackingOptions
{
    /// <summary>The spec's tracking.uri; null falls back to MLFLOW_TRACKING_URI, then <see cref="Tracking.TrackingUri.Default"/> (<see cref="TrackingTarget"/>).</summary>
    public string? TrackingUri { get; init; }

    /// <summary>The spec's tracking.experiment; null falls back to MLFLOW_EXPERIMENT_NAME, then <see cref="DefaultExperimentName"/>.</summary>
    public string? ExperimentName { get; init; }

    /// <summary>The experiment when neither the spec nor MLFLOW_EXPERIMENT_NAME names one (the spec's name); null = MLflow's "Default".</summary>
    public string? DefaultExperimentName { get; init; }

    /// <summary>How long the end-of-run catch-up of earlier journals (of the same target) may take in all.</summary>
    public TimeSpan CatchUpTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Base for a relative file: tracking URI (default: the current directory).</summary>
    public string? BaseDirectory { get; init; }

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Where the tracker's few warnings go (default: standard error); called from any thread, secrets already masked.</summary>
    public Action<string> Warn { get; init; } = message => Console.Error.WriteLine(message);

    /// <summary>fsync the journal after every event (slower; only matters for power loss, not for crashes).</summary>
    public bool FsyncEachEvent { get; init; }

    /// <summary>How long the background sender waits before trying an unreachable backend again.</summary>
    public TimeSpan RetryCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long ending a run may wait for pending events to reach the backend.</summary>
    public TimeSpan FinalFlushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public MlflowRestClientOptions Rest { get; init; } = new();

    /// <summary>How a run folder that another process holds is waited for; null fails at once ("in use").</summary>
    public Caching.LockOptions? RunFolderLock { get; init; }

    /// <summary>Told whom a run waits for when another process holds its folder.</summary>
    public Action<string>? OnRunFolderWait { get; init; }

    /// <summary>Opens the backend for a normalized tracking URI; null uses <see cref="Tracking.TrackingUri.OpenBackend"/>.</summary>
    public Func<string, ITrackingBackend>? OpenBackend { get; init; }

    internal ITrackingBackend CreateBackend(string uri) =>
        OpenBackend?.Invoke(uri) ?? Tracking.TrackingUri.OpenBackend(uri, GetEnvironmentVariable, Rest);

    /// <summary>These options without today's credentials: what a journal of another target is sent with (it never gets them).</summary>
    internal TrackingOptions WithoutCredentials() => this with
    {
        GetEnvironmentVariable = name => name is MlflowCredentials.TokenVariable or MlflowCredentials.UsernameVariable or MlflowCredentials.PasswordVariable
            ? null
            : GetEnvironmentVariable(name),
    };

    internal IReadOnlyList<string> Secrets =>
        (MlflowCredentials.FromEnvironment(GetEnvironmentVariable)?.Secrets ?? []).Where(secret => secret.Length >= 4).ToList();
}
