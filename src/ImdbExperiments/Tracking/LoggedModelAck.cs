using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Tracking;

/// <summary>
/// <c>tracking.models</c> beside the journal <c>tracking.jsonl</c> (<c>tracking-&lt;target&gt;.models</c> beside a later target's
/// journal: a model is created once per target): for each logged model key, the backend's model id, artifact URI and
/// whether it is finalized and listed among the run's outputs, so a replay or a re-run never creates the model or its output
/// twice. Replaced atomically.
/// </summary>
internal static class LoggedModelAck
{

    /// <param name="OutputLogged">the run's log_outputs names the model; false in files older than it</param>
    public sealed record Entry(string ModelId, string ExperimentId, string ArtifactUri, bool Ready, bool OutputLogged = false);

    public static Entry? Find(string runFolder, string journalFile, string key) =>
        Read(PathOf(runFolder, journalFile))[key] is JsonObject entry
            ? new Entry((string)entry["model_id"]!, (string?)entry["experiment_id"] ?? "", (string?)entry["artifact_uri"] ?? "", (bool?)entry["ready"] ?? false,
                (bool?)entry["output_logged"] ?? false)
            : null;

    public static void Save(string runFolder, string journalFile, string key, Entry entry)
    {
        var path = PathOf(runFolder, journalFile);
        var root = Read(path);
        root[key] = new JsonObject
        {
            ["model_id"] = entry.ModelId,
            ["experiment_id"] = entry.ExperimentId,
            ["artifact_uri"] = entry.ArtifactUri,
            ["ready"] = entry.Ready,
            ["output_logged"] = entry.OutputLogged,
        };
        var temporary = Path.Combine(runFolder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private static string PathOf(string runFolder, string journalFile) => Path.Combine(runFolder, Path.ChangeExtension(journalFile, ".models"));

    private static JsonObject Read(string path)
    {
        if (!File.Exists(path))
            return new JsonObject();
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"'{path}' is not a JSON object; delete it only if the run has no LoggedModel yet (else it is created again).");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON ({exception.Message}); delete it only if the run has no LoggedModel yet (else it is created again).", exception);
        }
    }
}
