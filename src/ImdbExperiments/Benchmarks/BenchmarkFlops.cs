using ImdbExperiments.Modeling;

namespace ImdbExperiments.Benchmarks;

/// <summary>Model FLOPs of a BERT classifier (the usual 6N estimate) and their utilization of the machine's matmul speed.</summary>
public static class BenchmarkFlops
{
    /// <summary>
    /// Training FLOPs per example of <paramref name="length"/> tokens: 6 per non-embedding weight per token (forward 2,
    /// backward 4; the Q, K, V, output and two feed-forward matrices of each layer) plus attention's
    /// 12 x layers x hidden x length per token (QK^T and AV, forward and backward).
    /// </summary>
    public static double TrainingPerExample(BertConfig config, int length)
    {
        var h = (double)config.HiddenSize;
        var perLayer = 4 * h * h + 2 * h * config.IntermediateSize;
        return length * (6 * perLayer * config.NumHiddenLayers + 12.0 * config.NumHiddenLayers * h * length);
    }

    /// <summary>Inference (forward only) FLOPs per example: a third of training's.</summary>
    public static double InferencePerExample(BertConfig config, int length) => TrainingPerExample(config, length) / 3;

    /// <summary>FLOPs per second for <paramref name="flops"/> done in <paramref name="seconds"/>, in GFLOP/s.</summary>
    public static double Gflops(double flops, double seconds) => flops / seconds / 1e9;

    /// <summary>GFLOP/s of an n x n x n matrix product (2n^3 FLOPs) done in <paramref name="seconds"/>.</summary>
    public static double MatmulGflops(int n, double seconds) => Gflops(2.0 * n * n * n, seconds);

    /// <summary>Model-FLOPs utilization: achieved GFLOP/s over the ceiling's; null without a usable ceiling.</summary>
    public static double? Utilization(double achievedGflops, double? ceilingGflops) =>
        ceilingGflops is > 0 && double.IsFinite(ceilingGflops.Value) ? achievedGflops / ceilingGflops.Value : null;
}
