namespace ImdbExperiments.Caching;

/// <summary>What <c>imdbx cache verify</c> found in one folder of the stage cache.</summary>
public enum CacheEntryStatus
{
    /// <summary>Every file listed in the manifest is there with its recorded SHA-256.</summary>
    Ok,

    /// <summary>A listed file's content differs from its recorded SHA-256 (or its size does).</summary>
    Corrupt,

    /// <summary>No valid manifest, a manifest for another stage or key, or a listed file missing: not a published output.</summary>
    Incomplete,

    /// <summary>A temporary or trash folder that no build holds the lock for: left by a crash.</summary>
    Orphaned,

    /// <summary>A temporary folder whose key lock is held: a build in progress.</summary>
    Building,
}
