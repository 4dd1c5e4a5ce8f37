using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;

namespace ImdbExperiments.Stages;

/// <summary>What a stage command tells the user: one status line, and with --json one JSON object.</summary>
public static class StageReport
{
    public static string Line(Stage stage, StageOutput output, double seconds)
    {
        var status = output.CacheHit ? "cache hit" : "built";
        var time = output.CacheHit ? "" : seconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";
        var description = stage.Describe(output);
        return $"{stage.Name,-9} {status,-9} {StageKey.Short(output.Key)}  {time,8}  {description}".TrimEnd();
    }

    public static JsonObject Json(Stage stage, StageOutput output, double seconds)
    {
        var outputs = new JsonObject();
        foreach (var (name, path) in stage.OutputPaths(output)) outputs[name] = path;
        return new JsonObject
        {
            ["stage"] = stage.Name,
            ["key"] = output.Key,
            ["cache_hit"] = output.CacheHit,
            ["seconds"] = Math.Round(seconds, 3),
            ["directory"] = output.Directory,
            ["outputs"] = outputs,
            ["counts"] = output.Manifest.Summary.DeepClone(),
        };
    }
}
