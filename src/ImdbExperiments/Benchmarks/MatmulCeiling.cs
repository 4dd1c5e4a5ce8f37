using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// The machine's dense matrix-multiply speed through libtorch at the current thread count: the ceiling that
/// model-FLOPs utilization is measured against.
/// </summary>
public static class MatmulCeiling
{
    /// <summary>
    /// (m, k, n) products measured besides the square n x n one: a BERT-base feed-forward layer at 16 x 128 tokens and a
    /// MiniLM-L6 one at 16 x 256. BLAS libraries are tuned differently per shape (oneMKL on this project's AMD machine
    /// runs the 2048 square about 15% slower than these), and a ceiling below what the models' own products reach would
    /// flatter every utilization measured against it.
    /// </summary>
    public static readonly IReadOnlyList<(int M, int K, int N)> ModelShapes = [(2048, 768, 3072), (4096, 384, 1536)];

    /// <summary>The best GFLOP/s over the square n x n product and <see cref="ModelShapes"/> through <paramref name="kernel"/>
    /// (libtorch's matmul when null), with the shape and time that gave it.</summary>
    public static (double Gflops, double Seconds, (int M, int K, int N) Shape) Best(int n, ScalarType dtype, int repetitions, CancellationToken cancellationToken,
        GemmKernel? kernel = null)
    {
        var best = (Gflops: 0.0, Seconds: double.NaN, Shape: (n, n, n));
        foreach (var shape in ModelShapes.Prepend((M: n, K: n, N: n)))
        {
            var seconds = BestSeconds(shape, dtype, repetitions, cancellationToken, kernel);
            var gflops = 2.0 * shape.M * shape.K * shape.N / seconds / 1e9;
            if (gflops > best.Gflops)
                best = (gflops, seconds, shape);
        }
        return best;
    }

    /// <summary>
    /// The fastest of <paramref name="repetitions"/> (m x k) by (k x n) products in <paramref name="dtype"/>, after one
    /// warm-up product. A ceiling is what the machine can do, so the best time, not the median: a slow repetition
    /// (another process, a page fault) would lower the ceiling and flatter every utilization measured against it.
    /// </summary>
    public static double BestSeconds((int M, int K, int N) shape, ScalarType dtype, int repetitions, CancellationToken cancellationToken, GemmKernel? kernel = null)
    {
        var gemm = new GemmShape("ceiling", 0, 0, "square and model shapes", "forward", shape.M, shape.K, shape.N, false, false);
        return GemmStudy.Measure(gemm, [kernel ?? GemmKernel.LibTorch], dtype, repetitions, cancellationToken)[0];
    }
}
