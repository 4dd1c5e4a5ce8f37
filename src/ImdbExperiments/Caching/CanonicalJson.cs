using System.Text.Json.Nodes;

namespace ImdbExperiments.Caching;

/// <summary>JSON with object keys sorted (ordinal) at every depth, so equal content hashes equally.</summary>
public static class CanonicalJson
{
    public static JsonNode? Sort(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sort).ToArray()),
        _ => node.DeepClone(),
    };
}
