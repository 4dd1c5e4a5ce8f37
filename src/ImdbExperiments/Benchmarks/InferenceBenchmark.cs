using System.Diagnostics;
using System.Text.Json.Nodes;
using ImdbExperiments.Data;
using ImdbExperiments.Specs;
using ImdbExperiments.Training;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// A fine-tuned model over real test reviews in each precision, through <see cref="SentimentPredictor"/> (the path predict,
/// evaluate and serve share): reviews/s, accuracy, and how far each precision's predictions agree with the first one's.
/// </summary>
public sealed class InferenceBenchmark(InferenceBenchmarkOptions options)
{
    /// <summary>Reviews scored before the clock starts (JIT, libtorch's kernel selection, the allocator's first blocks).</summary>
    const int WarmUpReviews = 32;

    public InferenceBenchmarkReport Run(Action<string> log, CancellationToken cancellationToken)
    {
        options.Validate();
        var threads = TrainingDevices.ApplyThreads(options.Threads);
        log($"bench     reading {(options.Reviews is { } n ? $"{n:N0}" : "all")} test reviews of {options.Archive}");
        var reviews = BenchmarkReviews.Test(options.Archive, options.Reviews, cancellationToken);
        var rows = new List<InferenceBenchmarkRow>();
        foreach (var precision in options.Precisions)
            rows.Add(Measure(options, precision, reviews, log, cancellationToken));
        return new InferenceBenchmarkReport(options, threads, reviews.Count, rows);
    }

    /// <summary>One precision over <paramref name="reviews"/>: a warm-up, then one timed pass of them all.</summary>
    internal static InferenceBenchmarkRow Measure(InferenceBenchmarkOptions options, TrainingPrecision precision, IReadOnlyList<Review> reviews,
        Action<string> log, CancellationToken cancellationToken)
    {
        var texts = reviews.Select(r => r.Text).ToArray();
        var name = BenchmarkSuite.Name(precision);
        using var predictor = SentimentPredictor.Load(options.ModelFolder, new SentimentPredictorOptions
        {
            MaxLength = options.MaxLength,
            BatchSize = options.Batch,
            Device = TrainingDevice.Cpu,
            Precision = precision == TrainingPrecision.Bf16 ? InferencePrecision.Bf16 : InferencePrecision.Fp32,
        });
        predictor.Predict(texts.Take(WarmUpReviews).ToArray(), cancellationToken: cancellationToken);
        log($"bench     {name}: {texts.Length:N0} reviews at {options.MaxLength} tokens, batches of {options.Batch}");
        var clock = Stopwatch.StartNew();
        var predictions = predictor.Predict(texts, cancellationToken: cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var positive = predictions.Select(p => p.LabelId == 1 ? p.Score : 1 - p.Score).ToArray();
        var labels = predictions.Select(p => p.LabelId).ToArray();
        var correct = labels.Where((label, i) => label == reviews[i].Label).Count();
        log($"bench     {name}: {texts.Length / seconds:0.0} reviews/s, accuracy {(double)correct / texts.Length:0.0000}");
        return new InferenceBenchmarkRow(name, seconds, texts.Length / seconds, (double)correct / texts.Length, labels, positive);
    }
}

/// <summary>One precision's pass: time, throughput, accuracy against the reviews' labels, and every prediction (for agreement).</summary>
public sealed record InferenceBenchmarkRow(string Precision, double Seconds, double ReviewsPerSecond, double Accuracy,
    IReadOnlyList<int> Labels, IReadOnlyList<double> PositiveProbabilities);

/// <summary>The rows, each compared with the first (the reference: fp32, today's path).</summary>
public sealed record InferenceBenchmarkReport(InferenceBenchmarkOptions Options, int Threads, int Reviews, IReadOnlyList<InferenceBenchmarkRow> Rows)
{
    public InferenceBenchmarkRow Reference => Rows[0];

    /// <summary>Share of reviews whose predicted label equals the reference's.</summary>
    public static double Agreement(InferenceBenchmarkRow row, InferenceBenchmarkRow reference) =>
        (double)row.Labels.Where((label, i) => label == reference.Labels[i]).Count() / row.Labels.Count;

    /// <summary>The largest change of a review's positive probability against the reference.</summary>
    public static double MaxProbabilityChange(InferenceBenchmarkRow row, InferenceBenchmarkRow reference) =>
        row.PositiveProbabilities.Select((p, i) => Math.Abs(p - reference.PositiveProbabilities[i])).DefaultIfEmpty(0).Max();

    public JsonObject ToJson(JsonObject machine) => new()
    {
        ["started_by"] = "imdbx bench-inference",
        ["machine"] = machine,
        ["model"] = Options.ModelFolder,
        ["reviews"] = Reviews,
        ["max_length"] = Options.MaxLength,
        ["batch"] = Options.Batch,
        ["threads"] = Threads,
        ["results"] = new JsonArray(Rows.Select(r => (JsonNode)new JsonObject
        {
            ["precision"] = r.Precision,
            ["seconds"] = r.Seconds,
            ["reviews_per_second"] = r.ReviewsPerSecond,
            ["speedup_vs_reference"] = r.ReviewsPerSecond / Reference.ReviewsPerSecond,
            ["accuracy"] = r.Accuracy,
            ["accuracy_change_vs_reference"] = r.Accuracy - Reference.Accuracy,
            ["label_agreement_vs_reference"] = Agreement(r, Reference),
            ["max_probability_change_vs_reference"] = MaxProbabilityChange(r, Reference),
        }).ToArray()),
    };
}
