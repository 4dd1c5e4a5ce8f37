using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Caching;

/// <summary>
/// The content address of a stage's output: SHA-256 over the stage's name, its format version,
/// the parts of the resolved spec it reads, and the keys of the stages it reads from.
/// </summary>
public static class StageKey
{
    public static string Compute(string stage, int formatVersion, JsonNode? inputs, IReadOnlyDictionary<string, string> upstreamKeys)
    {
        var upstream = new JsonObject();
        foreach (var (name, key) in upstreamKeys.OrderBy(p => p.Key, StringComparer.Ordinal))
            upstream[name] = key;
        var document = new JsonObject
        {
            ["stage"] = stage,
            ["format_version"] = formatVersion,
            ["inputs"] = CanonicalJson.Sort(inputs),
            ["upstream"] = upstream,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
    }

    /// <summary>The first 12 hex digits: what people read in logs.</summary>
    public static string Short(string key) => key.Length <= 12 ? key : key[..12];
}
