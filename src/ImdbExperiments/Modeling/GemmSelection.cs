using System.Text.Json.Nodes;

namespace ImdbExperiments.Modeling;

/// <summary>
/// The process's fp32 GEMM path, chosen once at start-up: <c>IMDBX_GEMM</c> (mkl, openblas or auto; auto when unset)
/// forces one, auto picks by CPU vendor what measured fastest there (README, performance): OpenBLAS on AMD, where
/// libtorch's oneMKL takes a slower sgemm path, when the library is installed; libtorch's oneMKL everywhere else.
/// </summary>
public sealed record GemmSelection(GemmPath Path, string Requested, string Reason, CpuIdentity Cpu)
{
    public const string EnvironmentVariable = "IMDBX_GEMM";

    static readonly Lazy<GemmSelection> Process = new(() => Resolve(Environment.GetEnvironmentVariable(EnvironmentVariable), CpuIdentity.Current(), () => OpenBlas.IsAvailable && BlasLinear.IsSupported));

    // Flows with the caller's async context only, so a test forcing one path never switches a test running beside it.
    static readonly AsyncLocal<GemmSelection?> forced = new();

    /// <summary>This process's choice; an invalid <c>IMDBX_GEMM</c> throws <see cref="ArgumentException"/> on first use.</summary>
    public static GemmSelection Current => forced.Value ?? Process.Value;

    /// <summary>Runs on <paramref name="path"/> until the result is disposed (tests that compare paths in one process).</summary>
    internal static IDisposable Force(GemmPath path)
    {
        var previous = forced.Value;
        forced.Value = Resolve(path == GemmPath.OpenBlas ? "openblas" : "mkl", CpuIdentity.Current(), () => OpenBlas.IsAvailable && BlasLinear.IsSupported);
        return new Restore(() => forced.Value = previous);
    }

    sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    /// <summary>The path for a requested value (null/empty = auto), a CPU and whether OpenBLAS can be loaded.</summary>
    public static GemmSelection Resolve(string? requested, CpuIdentity cpu, Func<bool> openBlasAvailable)
    {
        var value = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        switch (value)
        {
            case "mkl":
                return new(GemmPath.Mkl, value, $"{EnvironmentVariable}=mkl", cpu);
            case "openblas":
                if (!openBlasAvailable())
                    throw new ArgumentException($"{EnvironmentVariable} is 'openblas' but OpenBLAS is not installed (tried {string.Join(", ", OpenBlas.LibraryNames)}); " +
                                                "install it (Debian: apt-get install libopenblas0-pthread) or set it to mkl or auto.");
                return new(GemmPath.OpenBlas, value, $"{EnvironmentVariable}=openblas", cpu);
            case "auto":
                // Measured end to end (imdbx bench, train and inference steps) on an AMD Zen 3: OpenBLAS's faster sgemm kernels did not
                // make whole steps faster (BERT-base equal, MiniLM 1.3x slower), so oneMKL stays the default on every CPU.
                return new(GemmPath.Mkl, value, cpu.IsAmd
                    ? "auto: libtorch's oneMKL (on AMD too: OpenBLAS measured no faster end to end; IMDBX_GEMM=openblas chooses it)"
                    : $"auto: {cpu.Vendor ?? "unknown"} CPU, libtorch's oneMKL", cpu);
            default:
                throw new ArgumentException($"{EnvironmentVariable} is '{BertConfig.Abbreviate(requested ?? "")}'; allowed: auto (the default: libtorch's oneMKL), mkl (libtorch's oneMKL) or openblas (OpenBLAS's cblas_sgemm).");
        }
    }

    /// <summary>The run record's and the bench JSON's "gemm" entry.</summary>
    public JsonObject ToJson() => new()
    {
        ["path"] = Path == GemmPath.OpenBlas ? "openblas" : "mkl",
        ["requested"] = Requested,
        ["reason"] = Reason,
        ["cpu_vendor"] = Cpu.Vendor,
        ["cpu_family"] = Cpu.Family,
        ["cpu_model"] = Cpu.Model,
        ["cpu_flags"] = Cpu.Describe(),
        ["openblas"] = Path == GemmPath.OpenBlas ? OpenBlas.Describe() : null,
    };
}
