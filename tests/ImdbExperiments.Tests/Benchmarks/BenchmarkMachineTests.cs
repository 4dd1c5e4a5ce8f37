using ImdbExperiments.Benchmarks;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class BenchmarkMachineTests
{
    [Fact]
    public void CpuModelName_IsTheFirstModelNameLine()
    {
        const string cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 17\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n";

        Assert.Equal("AMD EPYC 7B13", BenchmarkMachine.CpuModelName(cpuinfo));
    }

    [Fact]
    public void CpuModelName_WithoutOne_IsNull() =>
        Assert.Null(BenchmarkMachine.CpuModelName("processor\t: 0\nCPU part\t: 0xd0c\n"));

    [Fact]
    public void SetVariables_AreTheSpeedVariablesThatAreSet()
    {
        var environment = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "2", ["PATH"] = "/bin" };

        var set = BenchmarkMachine.SetVariables(environment.GetValueOrDefault);

        Assert.Equal(["OMP_NUM_THREADS"], set.Select(p => p.Key));
        Assert.Equal("2", (string)set["OMP_NUM_THREADS"]!);
    }

    [Fact]
    public void Describe_NamesProcessorsRuntimesAndThreads()
    {
        var machine = BenchmarkMachine.Describe(threads: 3);

        Assert.Equal(Environment.ProcessorCount, (int)machine["processors"]!);
        Assert.Equal(3, (int)machine["threads"]!);
        Assert.False(string.IsNullOrEmpty((string?)machine["torchsharp"]));
        Assert.False(string.IsNullOrEmpty((string?)machine["libtorch"]));
        foreach (var key in new[] { "cpu", "os", "dotnet", "environment" })
            Assert.True(machine.ContainsKey(key), key);
    }
}
