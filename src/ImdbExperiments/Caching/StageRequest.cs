using System.Text.Json.Nodes;

namespace ImdbExperiments.Caching;

/// <summary>What identifies a stage output: the stage, its format version, the spec parts it reads and its upstream keys.</summary>
public sealed record StageRequest(string Stage, int FormatVersion, JsonNode? Inputs, IReadOnlyDictionary<string, string> Upstream)
{
    public string Key { get; } = StageKey.Compute(Stage, FormatVersion, Inputs, Upstream);
}
