using System.Text.Json.Nodes;

namespace ImdbExperiments.Caching;

/// <summary>
/// Handed to a stage while it builds: the temporary folder to write into (published by rename when the
/// build returns) and a summary (counts, hashes) that goes into the manifest.
/// </summary>
public sealed class StageBuildContext(string outputDirectory, string key)
{
    public string OutputDirectory { get; } = outputDirectory;
    public string Key { get; } = key;
    public JsonObject Summary { get; } = new();

    public string PathOf(string relativePath) => Path.Combine(OutputDirectory, relativePath);
}
