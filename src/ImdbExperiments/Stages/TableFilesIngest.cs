using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data.TableFiles;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>ingest for data.source: files: the tables fetch verified, read by <see cref="TableIngester"/> into reviews.jsonl.</summary>
internal static class TableFilesIngest
{
    /// <summary>
    /// What the output depends on beyond fetch's key (the files' hashes): formats, columns, bad-row policy, and, without a test
    /// file, the carve-out's fraction and seed.
    /// </summary>
    public sealed record TableIngestInputs(
        [property: JsonIgnore] TableFormat Train, [property: JsonIgnore] TableFormat? Test,
        [property: FromSpec("data.text_column"), JsonPropertyName("text_column")] string TextColumn,
        [property: FromSpec("data.label_column"), JsonPropertyName("label_column")] string LabelColumn,
        [property: FromSpec("data.id_column"), JsonPropertyName("id_column")] string? IdColumn,
        [property: FromSpec("data.on_bad_row"), JsonPropertyName("on_bad_row")] BadRowPolicy OnBadRow,
        [property: FromSpec("data.test_fraction", OmitNull = true), JsonPropertyName("test_fraction")] double? TestFraction,
        [property: FromSpec("seed", OmitNull = true), JsonPropertyName("seed")] int? Seed) : IngestStage.IngestInputs
    {
        // The formats: data.format, else each file's extension.
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.format", "data.files.train", "data.files.test"];

        public string TrainFormat => TableFormats.Name(Train);

        [OmitNull] public string? TestFormat => Test is { } test ? TableFormats.Name(test) : null;
    }

    public static TableIngestInputs Inputs(PipelineContext context)
    {
        var spec = context.Spec.Spec;
        var data = spec.Data;
        var test = data.Files.Test is { } testFile ? Format(context, "test", testFile) : (TableFormat?)null;
        return new TableIngestInputs(Format(context, "train", data.Files.Train!), test, data.TextColumn, data.LabelColumn, data.IdColumn, data.OnBadRow,
            test is null ? data.TestFraction : null, test is null ? spec.Seed : null);
    }

    public static async Task BuildAsync(TableIngestInputs data, StageServices services, StageBuildContext output, StageOutput fetch, CancellationToken cancellationToken)
    {
        var files = TableFilesFetch.Read(fetch).ToDictionary(f => f.Role);
        foreach (var file in files.Values)
        {
            // The tables live outside the cache: make sure each is still the file that fetch hashed.
            var actual = TableFilesFetch.Sha256(file.Path);
            if (actual != file.Sha256)
                throw new InvalidDataException($"The table '{file.Path}' (data.files.{file.Role}) changed since it was fetched: its SHA-256 is {actual}, fetch recorded {file.Sha256}. Run again.");
        }

        var request = new TableIngestRequest(
            new TableSource(files["train"].Path, data.Train), files.ContainsKey("test") && data.Test is { } test ? new TableSource(files["test"].Path, test) : null,
            new TableColumns(data.TextColumn, data.LabelColumn, data.IdColumn),
            // Fraction and seed only carve a test split out of train, so they are in the inputs only when there is no test file.
            data.OnBadRow == BadRowPolicy.Skip, data.TestFraction ?? 0, data.Seed ?? 0);
        var result = await TableIngester.IngestAsync(request, output.PathOf(IngestStage.ReviewsFileName), cancellationToken);
        if (result.Skipped > 0)
            services.Log.WriteLine($"ingest  skipped {result.Skipped:N0} bad row{(result.Skipped == 1 ? "" : "s")} (data.on_bad_row: skip): {string.Join(", ", result.FirstSkipped)}{(result.Skipped > result.FirstSkipped.Count ? ", ..." : "")}");

        Summarize(output, fetch, result, testCarved: !files.ContainsKey("test"));
    }

    /// <summary>The ingest summary of a table ingest, one spelling for every source that ingests through <see cref="TableIngester"/>.</summary>
    public static void Summarize(StageBuildContext output, StageOutput fetch, TableIngestResult result, bool testCarved)
    {
        var summary = output.Summary;
        summary["archive_sha256"] = FetchStage.ReadSummary(fetch).Sha256;
        summary["reviews_sha256"] = result.Sha256;
        summary["reviews"] = result.PerLabel.Total;
        if (result.Written is { } written)
        {
            summary["written"] = new JsonObject
            {
                ["train_neg"] = written.TrainNegative,
                ["train_pos"] = written.TrainPositive,
                ["test_neg"] = written.TestNegative,
                ["test_pos"] = written.TestPositive,
            };
        }
        else
        {
            // More than two labels: rows per class id, in label order.
            summary["label_counts"] = new JsonObject
            {
                ["train"] = new JsonArray([.. result.PerLabel.Train.Select(n => (JsonNode)n)]),
                ["test"] = new JsonArray([.. result.PerLabel.Test.Select(n => (JsonNode)n)]),
            };
        }
        // The labels by class id, in sorted order: what id2label names them.
        summary["labels"] = new JsonArray([.. result.Labels.Select(l => (JsonNode)l)]);
        summary["label_type"] = result.IntegerLabels ? "integer" : "string";
        summary["test_carved"] = testCarved;
        summary["skipped_rows"] = result.Skipped;
        summary["first_skipped_rows"] = new JsonArray([.. result.FirstSkipped.Select(l => (JsonNode)l)]);
    }

    public static string Describe(JsonObject summary)
    {
        var labels = summary["labels"]!.AsArray().Select(l => (string)l!).ToArray();
        if (summary["written"] is not { } written)
            return $"{(int)summary["reviews"]!:N0} rows in {labels.Length} labels ({string.Join(", ", labels.Take(10))}{(labels.Length > 10 ? ", ..." : "")}), " +
                   $"{(int)summary["skipped_rows"]!:N0} skipped";
        return $"{(int)summary["reviews"]!:N0} rows (train {(int)written["train_neg"]!:N0}/{(int)written["train_pos"]!:N0}, " +
               $"test {(int)written["test_neg"]!:N0}/{(int)written["test_pos"]!:N0} {labels[0]}/{labels[1]}), {(int)summary["skipped_rows"]!:N0} skipped";
    }

    /// <summary>data.format, else the file's extension; an extension that names no format is an error saying what to set.</summary>
    static TableFormat Format(PipelineContext context, string role, string path)
    {
        if (context.Spec.Spec.Data.Format is { } format)
        {
            return format switch
            {
                DataFormat.Csv => TableFormat.Csv,
                DataFormat.Tsv => TableFormat.Tsv,
                DataFormat.Jsonl => TableFormat.Jsonl,
                _ => TableFormat.Parquet,
            };
        }

        return TableFormats.FromExtension(path) ?? throw new InvalidDataException(
            $"{context.Spec.SourcePath}: data.files.{role} '{Path.GetFileName(path)}' has extension '{Path.GetExtension(path)}', which names no format; set data.format to csv, tsv, jsonl or parquet.");
    }
}
