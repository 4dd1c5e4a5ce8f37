using ImdbExperiments.Modeling;

namespace ImdbExperiments.Tests.Support;

/// <summary>A fact about the OpenBLAS GEMM path, skipped with a reason where OpenBLAS is not installed.</summary>
public sealed class OpenBlasFactAttribute : FactAttribute
{
    public OpenBlasFactAttribute()
    {
        if (!OpenBlas.IsAvailable)
            Skip = "OpenBLAS is not installed (Debian: apt-get install libopenblas0-pthread; .ci/run installs it)";
    }
}
