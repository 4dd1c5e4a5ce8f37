namespace ImdbExperiments.Caching;

/// <summary>A published stage output: its folder and manifest. <see cref="CacheHit"/> says whether this call built it.</summary>
public sealed record StageOutput(string Directory, StageManifest Manifest, bool CacheHit)
{
    public string Stage => Manifest.Stage;
    public string Key => Manifest.Key;
    public string PathOf(string relativePath) => Path.Combine(Directory, relativePath);
}
