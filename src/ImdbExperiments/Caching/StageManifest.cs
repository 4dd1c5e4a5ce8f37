using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ImdbExperiments.Caching;

/// <summary>
/// manifest.json of a published stage output: what went in, what came out, how long it took and
/// with which tools. A folder without a complete manifest does not exist as far as the cache is concerned.
/// </summary>
public sealed record StageManifest
{
    public const string FileName = "manifest.json";

    /// <summary>2: every file has a <see cref="StageFile.Stamp"/>. A manifest without the field is version 1 (sizes and hashes only).</summary>
    public const int CurrentVersion = 2;

    // A manifest is a few kilobytes; a huge one is not ours and is not read into memory.
    const long MaxBytes = 16 * 1024 * 1024;

    [JsonPropertyName("manifest_version")] public int ManifestVersion { get; init; } = 1;
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    [JsonPropertyName("key")] public required string Key { get; init; }
    [JsonPropertyName("format_version")] public required int FormatVersion { get; init; }
    [JsonPropertyName("inputs")] public JsonNode? Inputs { get; init; }
    [JsonPropertyName("upstream")] public IReadOnlyDictionary<string, string> Upstream { get; init; } = new Dictionary<string, string>();
    [JsonPropertyName("files")] public IReadOnlyList<StageFile> Files { get; init; } = [];
    [JsonPropertyName("summary")] public JsonObject Summary { get; init; } = new();
    [JsonPropertyName("created_utc")] public DateTimeOffset CreatedUtc { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("tools")] public IReadOnlyDictionary<string, string> Tools { get; init; } = new Dictionary<string, string>();

    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static StageManifest? TryRead(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxBytes) return null;
            return JsonSerializer.Deserialize<StageManifest>(File.ReadAllText(path), Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }
}
