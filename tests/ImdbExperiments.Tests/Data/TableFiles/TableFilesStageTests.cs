using ImdbExperiments.Data;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Stages;
using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data.TableFiles;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class TableFilesStageTests
{
    const string Spec = """
        name: own-data
        seed: 5
        data:
          source: files
          files:
            train: data/train.csv
        model:
          init: random
        """;

    static string Rows(int n) => "text,label\n" + string.Concat(Enumerable.Range(0, n).Select(i => i % 2 == 0 ? $"a lovely film {i},good\n" : $"a dreadful film {i},bad\n"));

    static string WriteTable(PipelineFixture fixture, string content)
    {
        Directory.CreateDirectory(Path.Combine(fixture.Root, "data"));
        var path = Path.Combine(fixture.Root, "data", "train.csv");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Ingest_PathRelativeToTheSpec_IsRecordedAndLabelsNamed()
    {
        using var fixture = new PipelineFixture();
        var table = WriteTable(fixture, Rows(20));
        Directory.CreateDirectory(Path.Combine(fixture.Root, "specs"));
        var spec = fixture.WriteSpec(Spec.Replace("data/train.csv", "../data/train.csv"), "specs/experiment.yaml");

        var (ingest, _) = fixture.Run("ingest", spec);

        var fetch = fixture.Run("fetch", spec).Output;
        Assert.Equal(table, (string)fetch.Manifest.Summary["path"]!);
        Assert.Equal(["bad", "good"], ingest.Manifest.Summary["labels"]!.AsArray().Select(l => (string)l!));
        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        Assert.Equal(20, reviews.Count);
        Assert.Equal(4, reviews.Count(r => r.Split == ReviewSplit.Test)); // 0.2 of each label
    }

    [Fact]
    public void Ingest_ChangedFileRebuilds_UnchangedFileIsACacheHit()
    {
        using var fixture = new PipelineFixture();
        var table = WriteTable(fixture, Rows(20));
        var spec = fixture.WriteSpec(Spec);

        var first = fixture.Run("ingest", spec).Output;
        var again = fixture.Run("ingest", spec).Output;
        Assert.Single(fixture.Published("ingest"));
        File.AppendAllText(table, "one more lovely film,good\n");
        var changed = fixture.Run("ingest", spec).Output;

        Assert.Equal(first.Key, again.Key);
        Assert.NotEqual(first.Key, changed.Key);
        Assert.Equal(2, fixture.Published("fetch").Count);
        Assert.Equal(21, ReviewFile.Read(changed.PathOf(IngestStage.ReviewsFileName)).Count);
        Assert.Equal(2, fixture.Published("ingest").Count);
    }

    [Fact]
    public void Spec_FilesSourceWithoutTrain_IsOneErrorNamingTheKey()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec("""
            name: own-data
            data:
              source: files
            model:
              init: random
            """);

        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(spec, [], fixture.Root));

        Assert.Contains("data.files.train", error.Message);
        Assert.Contains("data.source is files but data.files.train is not set", error.Message);
    }

    [Fact]
    public void Ingest_UnknownExtension_SaysToSetDataFormat()
    {
        using var fixture = new PipelineFixture();
        Directory.CreateDirectory(Path.Combine(fixture.Root, "data"));
        File.WriteAllText(Path.Combine(fixture.Root, "data", "train.txt"), Rows(4));
        var spec = fixture.WriteSpec(Spec.Replace("train.csv", "train.txt"));

        var error = Assert.Throws<InvalidDataException>(() => fixture.Run("ingest", spec));

        Assert.Contains("data.files.train 'train.txt' has extension '.txt', which names no format; set data.format to csv, tsv, jsonl or parquet.", error.Message);
    }

    [Fact]
    public void Evaluate_OnACsvTable_TrainsATinyModelEndToEnd()
    {
        using var fixture = new PipelineFixture();
        WriteTable(fixture, Rows(120));
        var spec = fixture.WriteSpec(Spec + """

              random:
                hidden_size: 32
                num_hidden_layers: 1
                num_attention_heads: 2
                intermediate_size: 64
                max_position_embeddings: 64
                vocab_size_limit: 500
            tokenizer:
              max_length: 32
            training:
              epochs: 2
              batch_size: 16
              learning_rate: 3.0e-3
              threads: 1
            """);

        var evaluate = fixture.Run("evaluate", spec).Output;

        Assert.True(File.Exists(evaluate.PathOf(EvaluationResult.MetricsFileName)));
        Assert.Equal(24L, (long)evaluate.Manifest.Summary["test"]!["count"]!);
    }
}
