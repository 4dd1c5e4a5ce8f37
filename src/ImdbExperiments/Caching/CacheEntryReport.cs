namespace ImdbExperiments.Caching;

/// <summary>One folder of the stage cache as verified: its stage, key, status, and for a problem what is wrong and whether --repair removed it.</summary>
public sealed record CacheEntryReport(string Stage, string Key, string Folder, CacheEntryStatus Status, string? Detail = null, bool Removed = false)
{
    /// <summary>Whether this entry makes <c>cache verify</c> fail.</summary>
    public bool IsProblem => Status is CacheEntryStatus.Corrupt or CacheEntryStatus.Incomplete or CacheEntryStatus.Orphaned;
}
