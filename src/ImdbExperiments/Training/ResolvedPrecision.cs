using ImdbExperiments.Specs;
using TorchSharp;

namespace ImdbExperiments.Training;

/// <summary>The precision inference runs in and why (for the predict, serve and bench output).</summary>
public sealed record ResolvedPrecision(TrainingPrecision Precision, string Reason)
{
    /// <summary>"fp32" or "bf16".</summary>
    public string Name => Precision == TrainingPrecision.Bf16 ? "bf16" : "fp32";

    /// <summary>
    /// The one rule for inference precision: fp32 and bf16 as asked; auto = bf16 on a CPU with native bf16 products
    /// (<paramref name="cpuBf16Flag"/>, e.g. <see cref="CpuBf16Support.Detect"/>), else fp32; fp32 on CUDA, where bf16 is opt-in.
    /// </summary>
    public static ResolvedPrecision Resolve(InferencePrecision requested, DeviceType device, string? cpuBf16Flag) => requested switch
    {
        InferencePrecision.Fp32 => new(TrainingPrecision.Fp32, "asked for fp32"),
        InferencePrecision.Bf16 => new(TrainingPrecision.Bf16, "asked for bf16"),
        _ when device != DeviceType.CPU => new(TrainingPrecision.Fp32, $"auto: fp32 on {device} (bf16 there only when asked for)"),
        _ when cpuBf16Flag is not null => new(TrainingPrecision.Bf16, $"auto: the CPU has {cpuBf16Flag}"),
        _ => new(TrainingPrecision.Fp32, $"auto: the CPU has neither {string.Join(" nor ", CpuBf16Support.Flags)}"),
    };
}
