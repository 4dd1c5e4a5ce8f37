using System.Diagnostics;
using ImdbExperiments.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// A library that computes a <see cref="GemmShape"/>: libtorch's matmul (oneMKL for fp32 as shipped; whatever libtorch
/// picks for bf16) on the same strided views autograd hands it, or OpenBLAS's sgemm on the same buffers.
/// </summary>
public sealed record GemmKernel(string Name, string Description)
{
    public static readonly GemmKernel LibTorch = new("mkl", "libtorch matmul (oneMKL sgemm for fp32)");
    public static readonly GemmKernel OpenBlasSgemm = new("openblas", "OpenBLAS cblas_sgemm, called directly");

    /// <summary>The kernels this machine has: libtorch always, OpenBLAS where it loads.</summary>
    public static IReadOnlyList<GemmKernel> Available() => OpenBlas.IsAvailable ? [LibTorch, OpenBlasSgemm] : [LibTorch];

    /// <summary>Operands of a shape, seeded: A and B as stored (transposed ones as the transpose of a contiguous tensor), and C.</summary>
    public sealed class Operands : IDisposable
    {
        readonly DisposeScope scope = NewDisposeScope();
        public Tensor A { get; }
        public Tensor B { get; }
        public Tensor C { get; }
        public ScalarType Type { get; }

        public Operands(GemmShape shape, ScalarType type)
        {
            using var generator = new Generator(1);
            Type = type;
            // Storage layout as autograd has it: a transposed operand is a transposed view of a contiguous tensor.
            A = (shape.TransposeA ? randn(shape.K, shape.M, generator: generator).t() : randn(shape.M, shape.K, generator: generator)).to(type);
            B = (shape.TransposeB ? randn(shape.N, shape.K, generator: generator).t() : randn(shape.K, shape.N, generator: generator)).to(type);
            C = empty(shape.M, shape.N, dtype: type);
        }

        public void Dispose() => scope.Dispose();
    }

    /// <summary>Whether this kernel computes products in <paramref name="type"/> (OpenBLAS: fp32 only here).</summary>
    public bool Supports(ScalarType type) => this == LibTorch || type == ScalarType.Float32;

    /// <summary>One product of <paramref name="operands"/> into their C; seconds it took.</summary>
    public unsafe double Run(GemmShape shape, Operands operands)
    {
        var clock = Stopwatch.StartNew();
        if (this == LibTorch)
        {
            using var _ = no_grad();
            mm(operands.A, operands.B).Dispose();   // allocates its result, as autograd's products do
        }
        else
        {
            // Row-major leading dimensions of the stored (untransposed) matrices.
            var lda = shape.TransposeA ? shape.M : shape.K;
            var ldb = shape.TransposeB ? shape.K : shape.N;
            OpenBlas.Sgemm(shape.TransposeA, shape.TransposeB, shape.M, shape.N, shape.K,
                BlasLinear.Data(operands.A), lda, BlasLinear.Data(operands.B), ldb, BlasLinear.Data(operands.C), shape.N);
        }
        return clock.Elapsed.TotalSeconds;
    }
}
