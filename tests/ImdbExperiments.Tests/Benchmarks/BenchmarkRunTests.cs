using System.Text.Json.Nodes;
using ImdbExperiments.Benchmarks;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class BenchmarkRunTests
{
    internal static readonly string[] ResultFields =
    [
        "name", "model", "batch", "length", "matrix_size", "precision", "path", "dimensions", "layers", "product", "tokens_per_second", "attention_dropout", "seconds", "seconds_per_step",
        "examples_per_second", "gflops", "mfu", "inference_to_train_time", "peak_rss_bytes", "value", "unit", "detail",
    ];

    [Fact]
    public void Json_HasMachineOptionsAndStructuredResults_WithNullWhereAFieldDoesNotApply()
    {
        var train = new BenchmarkResult(BenchmarkResult.Train, 0.5, "s/step", "attention dropout 0")
        {
            Model = "minilm", Batch = 16, Length = 128, Precision = "fp32", AttentionDropout = 0, SecondsPerStep = 0.5,
            ExamplesPerSecond = 32, Gflops = 20, Mfu = 0.25, PeakRssBytes = 1_000_000,
        };
        var ingest = new BenchmarkResult(BenchmarkResult.Ingest, 1.5, "s", "100 reviews") { Seconds = 1.5 };
        var run = new BenchmarkRun(BenchmarkOptions.QuickRun with { AttentionDropout = 0 }, 2,
            new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)), [ingest, train], PeakRssBytes: null);

        var json = JsonNode.Parse(run.ToJson(new JsonObject { ["processors"] = 2 }).ToJsonString())!;

        Assert.Equal("2025-01-02T02:04:05.0000000Z", (string)json["created_utc"]!);
        Assert.Equal(2, (int)json["machine"]!["processors"]!);
        var options = json["options"]!;
        Assert.True((bool)options["quick"]!);
        Assert.Equal(["minilm"], options["models"]!.AsArray().Select(m => (string)m!));
        Assert.Equal([128], options["lengths"]!.AsArray().Select(l => (int)l!));
        Assert.Equal(["fp32"], options["precisions"]!.AsArray().Select(p => (string)p!));
        Assert.Equal(0.0, (double)options["attention_dropout"]!);
        Assert.Equal(2, (int)options["threads"]!);
        Assert.True(json.AsObject().ContainsKey("peak_rss_bytes"));
        Assert.Null(json["peak_rss_bytes"]);

        var results = json["results"]!.AsArray();
        Assert.All(results, r => Assert.Equal(ResultFields, r!.AsObject().Select(p => p.Key)));
        Assert.Equal("ingest", (string)results[0]!["name"]!);
        Assert.Null(results[0]!["model"]);
        Assert.Null(results[0]!["mfu"]);
        Assert.Equal(1.5, (double)results[0]!["seconds"]!);
        Assert.Equal((1.5, "s"), ((double)results[0]!["value"]!, (string)results[0]!["unit"]!));
        Assert.Equal(0.25, (double)results[1]!["mfu"]!);
        Assert.Equal(1_000_000, (long)results[1]!["peak_rss_bytes"]!);
        Assert.Equal(0.0, (double)results[1]!["attention_dropout"]!);
    }
}
