using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>ingest: the archive streamed into one normalized JSON Lines file of labelled reviews (<c>reviews.jsonl</c>).</summary>
public sealed class IngestStage : Stage<IngestStage.IngestInputs, IngestStage.IngestSummary>
{
    /// <summary>What ingest depends on beyond fetch's key; one record per kind of source.</summary>
    public abstract record IngestInputs : StageInputs
    {
        protected override IEnumerable<string> DerivedFrom => ["data.source"];
    }

    /// <summary>The IMDb archive layout (downloaded, local or synthetic): dedupe, completeness, and the target.</summary>
    public sealed record ArchiveIngestInputs(
        [property: FromSpec("data.dedupe"), JsonPropertyName("dedupe")] Specs.DedupeMode Dedupe,
        bool Partial,
        // The default target stays out of the key (null), so reviews ingested before data.target existed are still hits.
        [property: FromSpec("data.target", OmitNull = true), JsonPropertyName("target")] DataTarget? Target,
        [property: JsonIgnore] bool Synthetic) : IngestInputs
    {
        // partial: data.partial, or always for the small synthetic corpus; the target is read even when it is the default.
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.target", .. Synthetic ? Array.Empty<string>() : ["data.partial"]];

        [JsonIgnore] public bool Rating => Target == DataTarget.Rating;
    }

    /// <summary>
    /// The ingest summary downstream stages read: the reviews' hash and the label set by class id (null: IMDb sentiment's two),
    /// with a Hub dataset's ClassLabel names when they name every label.
    /// </summary>
    public sealed record IngestSummary(string? ArchiveSha256, string? ReviewsSha256, int Reviews, IReadOnlyList<string>? Labels, IReadOnlyList<string>? LabelNames, string? LabelType);

    public const string ReviewsFileName = "reviews.jsonl";

    public override string Name => "ingest";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["fetch"];

    protected override IngestInputs Project(PipelineContext context)
    {
        var data = context.Spec.Spec.Data;
        if (data.Source == DataSource.Hub) return HubDatasetIngest.Inputs(data);
        if (data.Source == DataSource.Files) return TableFilesIngest.Inputs(context);
        return new ArchiveIngestInputs(data.Dedupe, IsPartial(data), data.Target == DataTarget.Rating ? DataTarget.Rating : null, data.Source == DataSource.Synthetic);
    }

    protected override async Task BuildAsync(IngestInputs inputs, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var fetch = upstream["fetch"];
        switch (inputs)
        {
            case TableFilesIngest.TableIngestInputs table:
                await TableFilesIngest.BuildAsync(table, services, output, fetch, cancellationToken);
                return;
            case HubDatasetIngest.HubIngestInputs hub:
                await HubDatasetIngest.BuildAsync(hub, services, output, fetch, cancellationToken);
                return;
            case ArchiveIngestInputs archiveInputs:
                await BuildArchiveAsync(archiveInputs, output, fetch, cancellationToken);
                return;
        }
    }

    async Task BuildArchiveAsync(ArchiveIngestInputs inputs, StageBuildContext output, StageOutput fetch, CancellationToken cancellationToken)
    {

        var archive = FetchStage.ArchivePath(fetch);
        // An archive inside the fetch output is covered by its manifest; only a user's own file can have changed since.
        if (!archive.StartsWith(fetch.Directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            await EnsureUnchangedAsync(archive, FetchStage.ArchiveSha256(fetch), cancellationToken);

        var dedupe = inputs.Dedupe switch
        {
            Specs.DedupeMode.WithinSplit => Data.DedupeMode.WithinSplit,
            Specs.DedupeMode.AcrossSplits => Data.DedupeMode.AcrossSplits,
            _ => Data.DedupeMode.None,
        };
        var rating = inputs.Rating;
        var result = ImdbIngester.Ingest(archive, output.PathOf(ReviewsFileName), new IngestOptions(dedupe, inputs.Partial, rating), cancellationToken);

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
        var summary = ReadSummary(ingest);
        if (summary.Labels is not { } labels) return HfModelFolder.DefaultLabels;
        return summary.LabelNames is { } names && names.Count == labels.Count ? names : labels;
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
