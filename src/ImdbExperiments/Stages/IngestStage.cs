using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>ingest: the archive streamed into one normalized JSON Lines file of labelled reviews (<c>reviews.jsonl</c>).</summary>
public sealed class IngestStage : Stage
{
    public const string ReviewsFileName = "reviews.jsonl";

    public override string Name => "ingest";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["fetch"];

    public override JsonNode? Inputs(PipelineContext context)
    {
        if (context.Spec.Spec.Data.Source == DataSource.Hub)
            return HubDatasetIngest.Inputs(context);
        if (context.Spec.Spec.Data.Source == DataSource.Files)
            return TableFilesIngest.Inputs(context);
        var inputs = new JsonObject
        {
            ["dedupe"] = JsonNode.Parse(context.Spec.Subset("data.dedupe"))!["data.dedupe"]!.DeepClone(),
            ["partial"] = IsPartial(context.Spec.Spec.Data),
        };
        // The default target stays out of the key, so reviews ingested before data.target existed are still hits.
        if (context.Spec.Spec.Data.Target == DataTarget.Rating)
            inputs["target"] = "rating";
        return inputs;
    }

    public override async Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var fetch = upstream["fetch"];
        if (context.Spec.Spec.Data.Source == DataSource.Files)
        {
            await TableFilesIngest.BuildAsync(context, output, fetch, cancellationToken);
            return;
        }
        if (context.Spec.Spec.Data.Source == DataSource.Hub)
        {
            await HubDatasetIngest.BuildAsync(context, output, fetch, cancellationToken);
            return;
        }

        var archive = FetchStage.ArchivePath(fetch);
        // An archive inside the fetch output is covered by its manifest; only a user's own file can have changed since.
        if (!archive.StartsWith(fetch.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            await EnsureUnchangedAsync(archive, FetchStage.ArchiveSha256(fetch), cancellationToken);

        var data = context.Spec.Spec.Data;
        var dedupe = data.Dedupe switch
        {
            Specs.DedupeMode.WithinSplit => Data.DedupeMode.WithinSplit,
            Specs.DedupeMode.AcrossSplits => Data.DedupeMode.AcrossSplits,
            _ => Data.DedupeMode.None,
        };
        var rating = data.Target == DataTarget.Rating;
        var result = ImdbIngester.Ingest(archive, output.PathOf(ReviewsFileName), new IngestOptions(dedupe, IsPartial(data), rating), cancellationToken);

        var summary = output.Summary;
        summary["archive_sha256"] = FetchStage.ArchiveSha256(fetch);
        summary["reviews_sha256"] = result.Sha256;
        summary["reviews"] = result.Written.Total;
        summary["found"] = Counts(result.Found);
        summary["written"] = Counts(result.Written);
        summary["repeated_files"] = result.Duplicates.RepeatedFiles;
        summary["duplicate_groups"] = result.Duplicates.Groups;
        summary["cross_split_duplicate_groups"] = result.Duplicates.CrossSplitGroups;
        summary["removed_by_dedupe"] = result.RemovedByDedupe;
        summary["ignored_entries"] = result.IgnoredEntries;
        // Counts stay by sentiment folder; the classes written are the star ratings, named for id2label.
        if (rating)
            summary["labels"] = new JsonArray([.. ImdbIngester.RatingLabels.Select(l => (JsonNode)l)]);
    }

    /// <summary>
    /// The label set the data decided, by class id: the sorted labels ingest recorded (a table's own, or data.target: rating's
    /// star ratings), else IMDb sentiment's two (<see cref="HfModelFolder.DefaultLabels"/>: 0 NEGATIVE, 1 POSITIVE). A Hub
    /// dataset's ClassLabel names (label_names: neg, pos for stanfordnlp/imdb) name its integer labels when they name every one.
    /// </summary>
    public static IReadOnlyList<string> Labels(StageOutput ingest)
    {
        var summary = ingest.Manifest.Summary;
        if (summary["labels"] is not JsonArray labels) return HfModelFolder.DefaultLabels;
        return summary["label_names"] is JsonArray names && names.Count == labels.Count
            ? [.. names.Select(n => (string)n!)]
            : [.. labels.Select(l => (string)l!)];
    }

    public override string Describe(StageOutput output)
    {
        var s = output.Manifest.Summary;
        var written = s["written"]!;
        if (s["label_type"] is not null)
            return TableFilesIngest.Describe(s);
        return $"{(int)s["reviews"]!:N0} reviews (train {(int)written["train_neg"]!:N0}/{(int)written["train_pos"]!:N0}, " +
               $"test {(int)written["test_neg"]!:N0}/{(int)written["test_pos"]!:N0} neg/pos), " +
               $"{(int)s["repeated_files"]!:N0} repeated texts, {(int)s["removed_by_dedupe"]!:N0} removed";
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) =>
        new Dictionary<string, string> { ["reviews"] = output.PathOf(ReviewsFileName) };

    /// <summary>The synthetic corpus is small by design; a real archive must be complete unless data.partial says otherwise.</summary>
    static bool IsPartial(DataSpec data) => data.Partial || data.Source == DataSource.Synthetic;

    static JsonObject Counts(ReviewCounts counts) => new()
    {
        ["train_neg"] = counts.TrainNegative,
        ["train_pos"] = counts.TrainPositive,
        ["test_neg"] = counts.TestNegative,
        ["test_pos"] = counts.TestPositive,
    };

    /// <summary>A local archive lives outside the cache: make sure it is still the file that fetch verified.</summary>
    static async Task EnsureUnchangedAsync(string archive, string expectedSha256, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(archive);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
        if (actual != expectedSha256)
            throw new InvalidDataException($"The archive '{archive}' changed since it was fetched: its SHA-256 is {actual}, fetch recorded {expectedSha256}. Run again with --force=fetch.");
    }
}
