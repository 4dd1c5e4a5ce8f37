using System.Text.Json.Serialization;

namespace ImdbExperiments.Caching;

/// <summary>One output file of a stage, as listed in its manifest; <see cref="Stamp"/> is null in manifests before format 2.</summary>
public sealed record StageFile(string Path, long Size, string Sha256)
{
    [JsonPropertyName("stamp")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FileStamp? Stamp { get; init; }
}
