using System.Diagnostics;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// The machine's dense matrix-multiply speed through libtorch at the current thread count: the ceiling that
/// model-FLOPs utilization is measured against.
/// </summary>
public static class MatmulCeiling
{
    /// <summary>
    /// The fastest of <paramref name="repetitions"/> n x n by n x n products in <paramref name="dtype"/>, after one warm-up
    /// product. A ceiling is what the machine can do, so the best time, not the median: a slow repetition (another
    /// process, a page fault) would lower the ceiling and flatter every utilization measured against it.
    /// </summary>
    public static double BestSeconds(int n, ScalarType dtype, int repetitions, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(1);
        var a = randn(n, n, generator: generator).to(dtype);  // (n, n)
        var b = randn(n, n, generator: generator).to(dtype);  // (n, n)
        mm(a, b).Dispose();  // warm-up: allocation, thread pool, kernel choice
        var times = new double[repetitions];
        for (var i = 0; i < repetitions; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            mm(a, b).Dispose();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        return times.Min();
    }
}
