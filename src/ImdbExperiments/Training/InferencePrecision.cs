namespace ImdbExperiments.Training;

/// <summary>Floating-point precision of inference (predict, serve): auto picks bf16 only where the CPU computes it natively.</summary>
public enum InferencePrecision
{
    /// <summary>bf16 on a CPU with AVX512-BF16 or AMX-BF16 (<see cref="CpuBf16Support"/>), else fp32; fp32 on CUDA.</summary>
    Auto,
    Fp32,
    Bf16,
}
