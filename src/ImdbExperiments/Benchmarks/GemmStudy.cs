using ImdbExperiments.Modeling;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// Speed of every Linear product of the benchmarked models (<see cref="GemmShape.OfModel"/>) through each
/// <see cref="GemmKernel"/>, interleaved: each round runs every kernel once on the same operands, in alternating order,
/// so a busy machine slows them alike; each kernel's best round is its figure (as <see cref="MatmulCeiling"/>).
/// </summary>
public static class GemmStudy
{
    /// <summary>Rounds per shape after one warm-up product per kernel.</summary>
    public const int Rounds = 4;

    public static IReadOnlyList<BenchmarkResult> Run(IEnumerable<GemmShape> shapes, IReadOnlyList<GemmKernel> kernels, Action<string> log, CancellationToken cancellationToken)
    {
        var results = new List<BenchmarkResult>();
        foreach (var shape in shapes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var best = Measure(shape, kernels, ScalarType.Float32, Rounds, cancellationToken);
            var reference = best[0];
            log($"bench     gemm {shape.Model} {shape.Batch} x {shape.Length} {shape.Layers} {shape.Product} {shape.Dimensions}: " +
                string.Join(", ", kernels.Select((k, i) => $"{k.Name} {shape.Flops / best[i] / 1e9:0.0} GFLOP/s")));
            for (var i = 0; i < kernels.Count; i++)
            {
                var gflops = shape.Flops / best[i] / 1e9;
                results.Add(new(BenchmarkResult.Gemm, gflops, "GFLOP/s",
                    $"{shape.Layers} {shape.Product}{(i == 0 ? "" : $", {reference / best[i]:0.00} x {kernels[0].Name}")}")
                {
                    Model = shape.Model, Batch = shape.Batch, Length = shape.Length, Precision = "fp32", Path = kernels[i].Name,
                    Dimensions = shape.Dimensions, Layers = shape.Layers, Product = shape.Product, Seconds = best[i], Gflops = gflops,
                });
            }
        }
        return results;
    }

    /// <summary>Each kernel's best seconds on <paramref name="shape"/> (kernels that lack <paramref name="type"/> get NaN).</summary>
    public static double[] Measure(GemmShape shape, IReadOnlyList<GemmKernel> kernels, ScalarType type, int rounds, CancellationToken cancellationToken)
    {
        using var operands = new GemmKernel.Operands(shape, type);
        var best = kernels.Select(_ => double.PositiveInfinity).ToArray();
        var usable = kernels.Select(k => k.Supports(type)).ToArray();
        for (var i = 0; i < kernels.Count; i++)
            if (usable[i]) kernels[i].Run(shape, operands);  // warm-up: packing buffers, thread pools
        for (var round = 0; round < rounds; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var j = 0; j < kernels.Count; j++)
            {
                var i = round % 2 == 0 ? j : kernels.Count - 1 - j;
                if (usable[i])
                    best[i] = Math.Min(best[i], kernels[i].Run(shape, operands));
            }
        }
        return best.Select((b, i) => usable[i] ? b : double.NaN).ToArray();
    }
}
