namespace ImdbExperiments.Data;

/// <summary>
/// A verified archive on disk. <paramref name="Source"/> is the URL it came from, or the local path that was verified;
/// <paramref name="Downloaded"/> is false when nothing was transferred (a local archive, or a destination already verified).
/// </summary>
public sealed record FetchResult(string Path, string Sha256, long Size, string Source, bool Downloaded);
