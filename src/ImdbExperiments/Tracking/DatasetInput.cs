using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImdbExperiments.Tracking;

/// <summary>
/// A dataset used by a run, as MLflow's <c>runs/log-inputs</c> takes it. <see cref="Source"/> is the JSON
/// MLflow's dataset sources write (<c>{"url": ...}</c> for <c>http</c>, <c>{"uri": ...}</c> for <c>local</c>);
/// <see cref="Context"/> becomes the input tag <c>mlflow.data.context</c> (train, validation, test).
/// </summary>
public sealed record DatasetInput(
    string Name,
    string Digest,
    string SourceType,
    string Source,
    string? Context = null,
    string? Schema = null,
    string? Profile = null)
{
    /// <summary>A dataset downloaded from a URL. The digest is cut to MLflow's 36-character limit.</summary>
    public static DatasetInput FromUrl(string name, string digest, string url, string? context = null) =>
        new(name, Cut(digest), "http", SourceJson("url", url), context);

    /// <summary>A dataset read from a local file or folder (an archive or a mirror).</summary>
    public static DatasetInput FromLocalPath(string name, string digest, string path, string? context = null) =>
        new(name, Cut(digest), "local", SourceJson("uri", path), context);

    private static string Cut(string digest) =>
        digest.Length <= MlflowLimits.MaxDatasetDigestLength ? digest : digest[..MlflowLimits.MaxDatasetDigestLength];

    // Same spelling as Python's json.dumps, which MLflow's dataset sources use.
    private static string SourceJson(string field, string value) =>
        "{\"" + field + "\": " + JsonSerializer.Serialize(value, Relaxed) + "}";

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
