using System.Text.Json.Nodes;
using ImdbExperiments.Benchmarks;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Benchmarks;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class BenchmarkSuiteTests
{
    // bert-base-uncased's vocabulary (the MiniLM package's vocab.txt) on a 2-layer, hidden-32 body: seconds per step, not minutes.
    static readonly BenchmarkModel Tiny = new("tiny", "tiny random BERT", new BertConfig
    {
        HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64, MaxPositionEmbeddings = 64,
    });

    [Fact]
    public async Task Suite_MeasuresEveryModelLengthAndPrecision_WithFinitePositiveFigures()
    {
        var options = new BenchmarkOptions
        {
            Models = [BenchmarkModel.MiniLm, Tiny], Lengths = [8, 16], Precisions = [TrainingPrecision.Fp32, TrainingPrecision.Bf16],
            Batch = 2, Steps = 1, Threads = 1, AttentionDropout = 0, SyntheticReviewsPerLabel = 5, MatmulSize = 64,
        };
        var log = new List<string>();

        var run = await new BenchmarkSuite(options).RunAsync(log.Add, CancellationToken.None);

        static void Positive(double? value, string what) => Assert.True(value is > 0 && double.IsFinite(value.Value), $"{what}: {value}");
        var onLinux = File.Exists("/proc/self/status");
        // A ceiling per GEMM library for fp32, and bf16's (libtorch's on every path).
        string[] ceilings = OpenBlas.IsAvailable ? ["matmul fp32 mkl", "matmul fp32 openblas", "matmul bf16 mkl"] : ["matmul fp32 mkl", "matmul bf16 mkl"];
        Assert.Equal(ceilings, run.Results.Where(r => r.Name == BenchmarkResult.Matmul).Select(r => $"matmul {r.Precision} {r.Path}"));
        Assert.All(run.Results.Where(r => r.Name == BenchmarkResult.Matmul), r => { Positive(r.Gflops, "matmul GFLOP/s"); Assert.Equal(64, r.MatrixSize); });
        Assert.Single(run.Results, r => r.Name == BenchmarkResult.Ingest && r.Detail.StartsWith("20 reviews"));
        Assert.Single(run.Results, r => r.Name == BenchmarkResult.Split);
        Positive(Assert.Single(run.Results, r => r.Name == BenchmarkResult.Tokenize).ExamplesPerSecond, "tokenize");

        var train = run.Results.Where(r => r.Name == BenchmarkResult.Train).ToArray();
        Assert.Equal(
            ["minilm 8 fp32", "minilm 8 bf16", "minilm 16 fp32", "minilm 16 bf16", "tiny 8 fp32", "tiny 8 bf16", "tiny 16 fp32", "tiny 16 bf16"],
            train.Select(r => $"{r.Model} {r.Length} {r.Precision}"));
        var inference = run.Results.Where(r => r.Name == BenchmarkResult.Inference).ToArray();
        Assert.Equal(["minilm 8", "minilm 16", "tiny 8", "tiny 16"], inference.Select(r => $"{r.Model} {r.Length}"));
        foreach (var r in train.Concat(inference))
        {
            var what = $"{r.Name} {r.Model} {r.Length} {r.Precision}";
            Assert.Equal(2, r.Batch);
            Assert.Equal(0.0, r.AttentionDropout);  // the override reaches the pretrained model's config too
            Positive(r.SecondsPerStep, what + " seconds");
            Positive(r.ExamplesPerSecond, what + " examples/s");
            Positive(r.Gflops, what + " GFLOP/s");
            Positive(r.Mfu, what + " MFU");
            if (onLinux) Positive(r.PeakRssBytes, what + " peak RSS");
        }
        Assert.All(inference, r => Positive(r.InferenceToTrainTime, $"inference {r.Model} {r.Length} / train"));
        // Each row's MFU is against the ceiling of its own precision (bf16 rows once showed 150-200 % against fp32's)
        // and, for fp32, of the GEMM path it trained with.
        foreach (var r in train.Concat(inference))
        {
            var ceiling = run.Results.Single(c => c.Name == BenchmarkResult.Matmul && c.Precision == r.Precision && c.Path == (r.Precision == "bf16" ? "mkl" : r.Path));
            Assert.Equal(r.Gflops!.Value / ceiling.Gflops!.Value, r.Mfu!.Value, 12);
        }
        Assert.All(train.Concat(inference), r => Assert.Equal(BenchmarkSuite.Name(GemmSelection.Current.Path), r.Path));
        if (onLinux) Positive(run.PeakRssBytes, "process peak RSS");
        Assert.Contains(log, line => line.Contains("train tiny 2 x 16 bf16"));

        var json = JsonNode.Parse(run.ToJson(BenchmarkMachine.Describe(run.Threads)).ToJsonString())!;
        Assert.Equal(run.Results.Count, json["results"]!.AsArray().Count);
        Assert.Equal(1, (int)json["options"]!["threads"]!);
    }
}
