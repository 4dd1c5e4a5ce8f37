namespace ImdbExperiments.Caching;

/// <summary>A lock that could not be taken: held elsewhere (with --no-wait or after the timeout), or a lock path that cannot be a lock file.</summary>
public sealed class LockUnavailableException(string path, LockHolder? holder, string message) : IOException(message)
{
    public string LockPath { get; } = path;

    /// <summary>Who held it, when the lock file said so.</summary>
    public LockHolder? Holder { get; } = holder;
}
