using ImdbExperiments.Modeling;

namespace ImdbExperiments.Tests.Modeling;

public sealed class GemmSelectionTests
{
    // The first processor block of /proc/cpuinfo as Linux prints it (an AMD EPYC 7003, Zen 3), and an Intel one.
    const string Amd = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n" +
                       "flags\t\t: fpu sse2 avx fma avx2\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n";
    const string Intel = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nflags\t\t: avx2 avx512f avx512_bf16 amx_bf16\n";

    [Fact]
    public void CpuIdentity_ReadsVendorFamilyModelAndFlagsOfTheFirstProcessor()
    {
        var cpu = CpuIdentity.Parse(Amd);

        Assert.Equal(("AuthenticAMD", 25, 1, "AMD EPYC 7B13"), (cpu.Vendor, cpu.Family, cpu.Model, cpu.ModelName));
        Assert.True(cpu.IsAmd);
        Assert.Contains("avx2", cpu.Flags);
        Assert.DoesNotContain("avx512f", cpu.Flags);
        Assert.Equal("AuthenticAMD family 25 model 1 (avx2, no avx512f, no avx512_bf16, no amx_bf16)", cpu.Describe());
    }

    [Fact]
    public void Auto_OnAmd_KeepsLibTorchsMkl_EvenWithOpenBlasInstalled()
    {
        // OpenBLAS's kernels win the GEMM study on AMD, but whole train and inference steps were not faster (README, "The fp32 GEMM path").
        var amd = CpuIdentity.Parse(Amd);

        var installed = GemmSelection.Resolve(null, amd, () => true);
        Assert.Equal(GemmPath.Mkl, installed.Path);
        Assert.Contains("IMDBX_GEMM=openblas", installed.Reason);
        Assert.Equal(GemmPath.Mkl, GemmSelection.Resolve(" Auto ", amd, () => false).Path);
    }

    [Fact]
    public void Auto_OnIntelOrAnUnknownCpu_KeepsLibTorchsMkl()
    {
        Assert.Equal(GemmPath.Mkl, GemmSelection.Resolve("auto", CpuIdentity.Parse(Intel), () => true).Path);
        Assert.Equal(GemmPath.Mkl, GemmSelection.Resolve(null, CpuIdentity.Unknown, () => true).Path);
    }

    [Fact]
    public void Forced_PathIsUsedWhateverTheCpu()
    {
        Assert.Equal(GemmPath.OpenBlas, GemmSelection.Resolve("openblas", CpuIdentity.Parse(Intel), () => true).Path);
        Assert.Equal(GemmPath.Mkl, GemmSelection.Resolve("MKL", CpuIdentity.Parse(Amd), () => true).Path);
    }

    [Fact]
    public void ForcedOpenBlas_WithoutTheLibrary_IsOneErrorSayingHowToInstallIt()
    {
        var error = Assert.Throws<ArgumentException>(() => GemmSelection.Resolve("openblas", CpuIdentity.Parse(Amd), () => false));

        Assert.Contains("IMDBX_GEMM is 'openblas'", error.Message);
        Assert.Contains("libopenblas0-pthread", error.Message);
    }

    [Fact]
    public void UnknownValue_IsOneErrorNamingTheVariableTheValueAndWhatIsAllowed()
    {
        var error = Assert.Throws<ArgumentException>(() => GemmSelection.Resolve("cublas", CpuIdentity.Parse(Amd), () => true));

        Assert.Equal("IMDBX_GEMM is 'cublas'; allowed: auto (the default: libtorch's oneMKL), mkl (libtorch's oneMKL) or openblas (OpenBLAS's cblas_sgemm).", error.Message);
    }

    [Fact]
    public void Selection_IsRecordedWithTheCpuItWasChosenFor()
    {
        var json = GemmSelection.Resolve(null, CpuIdentity.Parse(Amd), () => false).ToJson();

        Assert.Equal("mkl", (string)json["path"]!);
        Assert.Equal("auto", (string)json["requested"]!);
        Assert.Equal("AuthenticAMD", (string)json["cpu_vendor"]!);
        Assert.Equal(25, (int)json["cpu_family"]!);
    }
}
