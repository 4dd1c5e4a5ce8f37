using ImdbExperiments.Benchmarks;
using ImdbExperiments.Modeling;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class BenchmarkFlopsTests
{
    static readonly BertConfig Small = new() { HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64 };

    [Fact]
    public void TrainingFlops_MatchAHandCount()
    {
        // Per layer: Q, K, V, output 4 x 32 x 32 = 4,096 and feed-forward 2 x 32 x 64 = 4,096 weights: 8,192.
        // Per token: 6 x 8,192 x 2 layers = 98,304, plus attention 12 x 2 x 32 x 8 = 6,144: 104,448. Times 8 tokens:
        Assert.Equal(835_584, BenchmarkFlops.TrainingPerExample(Small, 8));
    }

    [Fact]
    public void TrainingFlops_OfBertBaseAt128_AreAbout67Gflop()
    {
        // 12 x 7,077,888 = 84.9M non-embedding weights x 6 x 128 tokens = 65.23 GFLOP; attention 12 x 12 x 768 x 128 x 128 = 1.81 GFLOP.
        Assert.Equal(67_041_755_136, BenchmarkFlops.TrainingPerExample(new BertConfig(), 128));
    }

    [Fact]
    public void InferenceFlops_AreAThirdOfTraining() =>
        Assert.Equal(835_584 / 3.0, BenchmarkFlops.InferencePerExample(Small, 8));

    [Fact]
    public void MatmulGflops_Are2NCubedPerSecond() =>
        Assert.Equal(2.0 * 1024 * 1024 * 1024 / 0.5 / 1e9, BenchmarkFlops.MatmulGflops(1024, 0.5), 1e-9);

    [Fact]
    public void Utilization_IsAchievedOverCeiling()
    {
        var achieved = BenchmarkFlops.Gflops(16 * 835_584, 0.001);  // 16 examples in 1 ms: 13.37 GFLOP/s

        Assert.Equal(13.369344, achieved, 1e-9);
        Assert.Equal(13.369344 / 50, BenchmarkFlops.Utilization(achieved, 50)!.Value, 1e-12);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Utilization_WithoutAUsableCeiling_IsNull(double? ceiling) =>
        Assert.Null(BenchmarkFlops.Utilization(10, ceiling));
}
