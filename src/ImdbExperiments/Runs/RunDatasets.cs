using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text;
using ImdbExperiments.Caching;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Runs;

/// <summary>
/// The run's datasets as MLflow shows them: one dataset per split (<c>imdb-train</c>, <c>imdb-validation</c>,
/// <c>imdb-test</c>), because MLflow keeps one input per (name, digest) in a run, so three contexts of one dataset
/// would collapse into the first. Shapes follow mlflow/data/pandas_dataset.py (schema <c>{"mlflow_colspec": [...]}</c>,
/// profile <c>{"num_rows", "num_elements"}</c>) and mlflow/data/http_dataset_source.py / filesystem sources.
/// </summary>
public static class RunDatasets
{
    public const string NamePrefix = "imdb-";

    // Pandas' colspec for (text: string, label: long), as Schema.to_dict writes it.
    const string Schema = "{\"mlflow_colspec\": [{\"type\": \"string\", \"name\": \"text\", \"required\": true}, {\"type\": \"long\", \"name\": \"label\", \"required\": true}]}";

    /// <summary>One input per split, from the split stage's per-split counts and hashes and the fetch stage's source.</summary>
    public static IReadOnlyList<DatasetInput> From(StageOutput split, StageOutput fetch)
    {
        var summary = split.Manifest.Summary;
        var reviewsHash = (string?)summary["reviews_sha256"] ?? "";
        var source = TrackingUri.Redact((string?)fetch.Manifest.Summary["source"] ?? "");
        var inputs = new List<DatasetInput>();
        foreach (var part in TokenizeStage.Splits)
        {
            var counts = summary[part] as JsonObject
                ?? throw new InvalidDataException($"The split stage's manifest '{split.Directory}' has no '{part}' summary; rebuild it with --force=split.");
            var count = (long)(int)counts["count"]!;
            var digest = Digest(reviewsHash, (string?)counts["sha256"] ?? "");
            var profile = $"{{\"num_rows\": {count}, \"num_elements\": {checked(count * 2)}, \"num_negative\": {(int)counts["negative"]!}, \"num_positive\": {(int)counts["positive"]!}}}";
            var input = source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                ? DatasetInput.FromUrl(NamePrefix + part, digest, source, part)
                : DatasetInput.FromLocalPath(NamePrefix + part, digest, source, part);
            inputs.Add(input with { Schema = Schema, Profile = profile });
        }
        return inputs;
    }

    /// <summary>The split's content: which reviews (its ids file) of which review texts (the ingested file); MLflow allows 36 characters.</summary>
    static string Digest(string reviewsSha256, string idsSha256) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{reviewsSha256}\n{idsSha256}\n")))[..MlflowLimits.MaxDatasetDigestLength];
}
