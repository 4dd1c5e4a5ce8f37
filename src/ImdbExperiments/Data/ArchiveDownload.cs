namespace ImdbExperiments.Data;

/// <summary>
/// What to download: <paramref name="Urls"/> is the primary URL then mirrors, tried in that order.
/// <paramref name="ExpectedSha256"/> (hex, any case) and <paramref name="ExpectedSize"/> (bytes) are checked when given.
/// </summary>
public sealed record ArchiveDownload(IReadOnlyList<Uri> Urls, string? ExpectedSha256 = null, long? ExpectedSize = null);
