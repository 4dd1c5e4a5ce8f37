using System.Runtime.InteropServices;

namespace ImdbExperiments.Modeling;

/// <summary>
/// OpenBLAS's CBLAS sgemm, called directly on fp32 buffers: libtorch's BLAS is linked in and cannot be swapped, and on
/// AMD CPUs the oneMKL it ships takes a slower sgemm path than OpenBLAS (README, performance). Loaded on first use from
/// the system (Debian: libopenblas0-pthread); <see cref="IsAvailable"/> is false where it is not installed.
/// </summary>
public static unsafe class OpenBlas
{
    /// <summary>Sonames tried in order: the runtime package's, then the unversioned development link.</summary>
    public static readonly IReadOnlyList<string> LibraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll"];

    const int RowMajor = 101, NoTrans = 111, Trans = 112;   // cblas.h's CBLAS_ORDER and CBLAS_TRANSPOSE

    static readonly Lazy<Api?> Loaded = new(Load);

    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>The loaded library's name and OpenBLAS's own configuration string ("OpenBLAS 0.3.21 DYNAMIC_ARCH ... Zen ..."); null when absent.</summary>
    public static string? Describe() => Loaded.Value is { } api
        ? $"{api.Name}: {(api.GetConfig is null ? "" : Marshal.PtrToStringAnsi((IntPtr)api.GetConfig()))} core {(api.GetCoreName is null ? "?" : Marshal.PtrToStringAnsi((IntPtr)api.GetCoreName()))}".Trim()
        : null;

    /// <summary>Sets OpenBLAS's thread count (its own pool, separate from libtorch's).</summary>
    public static void SetThreads(int threads)
    {
        if (Loaded.Value is { SetNumThreads: not null } api)
            api.SetNumThreads(threads);
    }

    /// <summary>
    /// C (m x n) = op(A) op(B) in row-major order, op = transpose when the flag is set; lda/ldb/ldc are the row strides.
    /// The caller keeps the buffers alive and guarantees their sizes.
    /// </summary>
    public static void Sgemm(bool transposeA, bool transposeB, int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, float beta = 0f)
    {
        var api = Loaded.Value ?? throw new InvalidOperationException(
            $"OpenBLAS is not installed (tried {string.Join(", ", LibraryNames)}); install it (Debian: apt-get install libopenblas0-pthread) or set {GemmSelection.EnvironmentVariable}=mkl.");
        api.Sgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
    }

    sealed class Api
    {
        public required string Name { get; init; }
        public required delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm { get; init; }
        public delegate* unmanaged<int, void> SetNumThreads { get; init; }
        public delegate* unmanaged<byte*> GetConfig { get; init; }
        public delegate* unmanaged<byte*> GetCoreName { get; init; }
    }

    static Api? Load()
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
                continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm))
                continue;
            return new Api
            {
                Name = name,
                Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm,
                SetNumThreads = NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var threads) ? (delegate* unmanaged<int, void>)threads : null,
                GetConfig = NativeLibrary.TryGetExport(handle, "openblas_get_config", out var config) ? (delegate* unmanaged<byte*>)config : null,
                GetCoreName = NativeLibrary.TryGetExport(handle, "openblas_get_corename", out var core) ? (delegate* unmanaged<byte*>)core : null,
            };
        }
        return null;
    }
}
