namespace ImdbExperiments.Data;

/// <summary>A file's SHA-256 is not the expected one. <see cref="Location"/> is the URL or path it came from.</summary>
public sealed class ChecksumMismatchException(string location, string expectedSha256, string actualSha256, string message)
    : IOException(message)
{
    public string Location { get; } = location;

    public string ExpectedSha256 { get; } = expectedSha256;

    public string ActualSha256 { get; } = actualSha256;
}
