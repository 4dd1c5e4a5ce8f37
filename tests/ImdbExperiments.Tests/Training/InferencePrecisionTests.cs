using ImdbExperiments.Specs;
using ImdbExperiments.Training;
using TorchSharp;

namespace ImdbExperiments.Tests.Training;

public sealed class InferencePrecisionTests
{
    // Two logical CPUs as the Linux kernel prints them (arch/x86/kernel/cpu/proc.c: one "flags\t\t: ..." line per CPU).
    private const string Sapphire = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n" +
        "flags\t\t: fpu vme avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n\nprocessor\t: 1\nflags\t\t: fpu vme avx2 avx512f avx512_bf16 amx_bf16\n";
    private const string Epyc = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu vme avx avx2 fma\n";

    [Fact]
    public void CpuBf16Flag_IsFoundOnTheFlagsLine()
    {
        Assert.Equal("avx512_bf16", CpuBf16Support.FlagIn(Sapphire));
        Assert.Equal("amx_bf16", CpuBf16Support.FlagIn("flags\t\t: avx2 amx_bf16 amx_tile\n"));
    }

    [Fact]
    public void CpuBf16Flag_IsAbsentWithoutTheFlag_OrWhenOnlyAnotherFieldNamesIt()
    {
        Assert.Null(CpuBf16Support.FlagIn(Epyc));
        Assert.Null(CpuBf16Support.FlagIn("model name\t: avx512_bf16 engineering sample\nflags\t\t: avx2\n"));
        Assert.Null(CpuBf16Support.FlagIn("flags\t\t: avx512_bf16x\n"));
        Assert.Null(CpuBf16Support.FlagIn(""));
        Assert.Null(CpuBf16Support.FlagIn(null));
    }

    [Fact]
    public void Auto_IsBf16OnlyOnACpuWithNativeBf16()
    {
        Assert.Equal(TrainingPrecision.Bf16, ResolvedPrecision.Resolve(InferencePrecision.Auto, DeviceType.CPU, "amx_bf16").Precision);
        Assert.Contains("amx_bf16", ResolvedPrecision.Resolve(InferencePrecision.Auto, DeviceType.CPU, "amx_bf16").Reason);
        var without = ResolvedPrecision.Resolve(InferencePrecision.Auto, DeviceType.CPU, null);
        Assert.Equal(TrainingPrecision.Fp32, without.Precision);
        Assert.Equal("fp32", without.Name);
        Assert.Contains("avx512_bf16", without.Reason);
        Assert.Equal(TrainingPrecision.Fp32, ResolvedPrecision.Resolve(InferencePrecision.Auto, DeviceType.CUDA, "avx512_bf16").Precision);
    }

    [Fact]
    public void AnExplicitPrecision_IsKeptWhateverTheCpu()
    {
        Assert.Equal(TrainingPrecision.Bf16, ResolvedPrecision.Resolve(InferencePrecision.Bf16, DeviceType.CPU, null).Precision);
        Assert.Equal(TrainingPrecision.Fp32, ResolvedPrecision.Resolve(InferencePrecision.Fp32, DeviceType.CPU, "avx512_bf16").Precision);
    }
}
