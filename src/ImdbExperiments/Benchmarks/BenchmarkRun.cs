using System.Globalization;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Benchmarks;

/// <summary>A finished benchmark: its options, the thread count it ran at, every measurement in the order they ran,
/// and the whole run's peak resident memory (null where it cannot be read).</summary>
public sealed record BenchmarkRun(BenchmarkOptions Options, int Threads, DateTimeOffset Started, IReadOnlyList<BenchmarkResult> Results, long? PeakRssBytes)
{
    /// <summary>The result file: created_utc, machine, options, results.</summary>
    public JsonObject ToJson(JsonObject machine) => new()
    {
        ["created_utc"] = Started.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["machine"] = machine,
        ["options"] = new JsonObject
        {
            ["quick"] = Options.IsQuick,
            ["gemm_study"] = Options.GemmStudy,
            ["archive"] = Options.Archive,
            ["synthetic_reviews"] = Options.Archive is null ? 4 * Options.SyntheticReviewsPerLabel : null,
            ["models"] = new JsonArray(Options.Models.Select(m => (JsonNode)m.Name).ToArray()),
            ["lengths"] = new JsonArray(Options.Lengths.Select(l => (JsonNode)l).ToArray()),
            ["precisions"] = new JsonArray(Options.Precisions.Select(p => (JsonNode)BenchmarkSuite.Name(p)).ToArray()),
            ["batch"] = Options.Batch,
            ["steps"] = Options.Steps,
            ["threads"] = Threads,
            ["attention_dropout"] = Options.AttentionDropout,
            ["matmul_size"] = Options.MatmulSize,
        },
        ["peak_rss_bytes"] = PeakRssBytes,
        ["results"] = new JsonArray(Results.Select(r => (JsonNode)r.ToJson()).ToArray()),
    };
}
