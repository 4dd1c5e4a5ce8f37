namespace ImdbExperiments.Caching;

/// <summary>How a lock that another process holds is waited for (<c>--no-wait</c>, <c>--lock-timeout</c>).</summary>
public sealed record LockOptions
{
    public static readonly LockOptions Default = new();

    /// <summary>Fail at once, naming the holder, instead of waiting.</summary>
    public bool NoWait { get; init; }

    /// <summary>How long to wait before failing; null waits for as long as the holder lives.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>How often a long wait says it is still waiting.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the lock is tried again while waiting.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
