using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data.Hub;
using ImdbExperiments.Data.TableFiles;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// ingest for data.source: hub: the shards fetch verified, read in the dataset's own order through <see cref="TableIngester"/>
/// (ids train/&lt;row&gt;, test/&lt;row&gt;, rows counted across shards), with the label names of the Parquet files' datasets
/// features (ClassLabel names) recorded beside the integer labels.
/// </summary>
internal static class HubDatasetIngest
{
    /// <summary>What the output depends on beyond fetch's key (commit and shard hashes): the columns and the bad-row policy.</summary>
    public sealed record HubIngestInputs(
        [property: FromSpec("data.text_column"), JsonPropertyName("text_column")] string TextColumn,
        [property: FromSpec("data.label_column"), JsonPropertyName("label_column")] string LabelColumn,
        [property: FromSpec("data.on_bad_row"), JsonPropertyName("on_bad_row")] BadRowPolicy OnBadRow) : IngestStage.IngestInputs
    {
        public string Source => "hub";
    }

    public static HubIngestInputs Inputs(DataSpec data) => new(data.TextColumn, data.LabelColumn, data.OnBadRow);

    public static async Task BuildAsync(HubIngestInputs data, StageServices services, StageBuildContext output, StageOutput fetch, CancellationToken cancellationToken)
    {
        var shards = HubDatasetFetch.Read(fetch);
        foreach (var shard in shards)
        {
            // The shards live in the Hugging Face cache, outside ours: make sure each is still the file that fetch hashed.
            var actual = await HubDatasetFetch.Sha256Async(shard.LocalPath, cancellationToken);
            if (actual != shard.Sha256)
                throw new InvalidDataException($"The Hub shard '{shard.LocalPath}' ({shard.RepoPath}) changed since it was fetched: its SHA-256 is {actual}, fetch recorded {shard.Sha256}. Run again with --force=fetch.");
        }

        TableSource Source(string role)
        {
            var paths = shards.Where(s => s.Role == role).Select(s => s.LocalPath).ToArray();
            return new TableSource(paths[0], TableFormat.Parquet) { Shards = paths };
        }
        var request = new TableIngestRequest(
            Source("train"), Source("test"), new TableColumns(data.TextColumn, data.LabelColumn, null),
            // Both splits come from the Hub, so nothing is carved and the fraction and seed are unused.
            data.OnBadRow == BadRowPolicy.Skip, 0, 0);
        var result = await TableIngester.IngestAsync(request, output.PathOf(IngestStage.ReviewsFileName), cancellationToken);
        if (result.Skipped > 0)
            services.Log.WriteLine($"ingest  skipped {result.Skipped:N0} bad row{(result.Skipped == 1 ? "" : "s")} (data.on_bad_row: skip): {string.Join(", ", result.FirstSkipped)}{(result.Skipped > result.FirstSkipped.Count ? ", ..." : "")}");

        TableFilesIngest.Summarize(output, fetch, result, testCarved: false);
        var names = await HubParquetLabels.ReadAsync(request.Train.Path, data.LabelColumn, cancellationToken);
        // ClassLabel names index the integer labels (neg = 0, pos = 1); recorded only when they name every label ingest found.
        if (names is not null && result.IntegerLabels && result.Labels.All(l => int.TryParse(l, out var i) && i >= 0 && i < names.Count))
            output.Summary["label_names"] = new JsonArray([.. result.Labels.Select(l => (JsonNode)names[int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)])]);
        output.Summary["hub_commit"] = FetchStage.ReadSummary(fetch).Commit;
    }
}
