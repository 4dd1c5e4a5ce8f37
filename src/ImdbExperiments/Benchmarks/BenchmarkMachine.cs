using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ImdbExperiments.Runs;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Benchmarks;

/// <summary>What a benchmark ran on, so that two result files can be compared: CPU, OS, runtimes and the settings that change speed.</summary>
public static class BenchmarkMachine
{
    /// <summary>Environment variables that change libtorch's or the allocator's speed; recorded when set.</summary>
    public static readonly IReadOnlyList<string> SpeedVariables = [
        "THP_MEM_ALLOC_ENABLE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", Training.NativeMemory.EnvironmentVariable,
        "MALLOC_CONF", "MALLOC_ARENA_MAX", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES", "LD_PRELOAD",
        Modeling.GemmSelection.EnvironmentVariable, "MKL_ENABLE_INSTRUCTIONS", "MKL_CBWR", "MKL_DEBUG_CPU_TYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
    ];

    public static JsonObject Describe(int threads) => new()
    {
        ["processors"] = Environment.ProcessorCount,
        ["threads"] = threads,
        ["cpu"] = File.Exists("/proc/cpuinfo") ? CpuModelName(File.ReadAllText("/proc/cpuinfo")) : null,
        ["os"] = RuntimeInformation.OSDescription,
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["torchsharp"] = RunEnvironment.TorchSharpVersion(),
        ["libtorch"] = RunEnvironment.LibTorchVersion(),
        ["malloc"] = Training.NativeMemory.Name(Training.NativeMemory.Policy),
        ["malloc_reason"] = Training.NativeMemory.Reason,
        ["gemm"] = Modeling.GemmSelection.Current.ToJson(),
        ["environment"] = SetVariables(Environment.GetEnvironmentVariable),
    };

    /// <summary>The first "model name" of a /proc/cpuinfo text; null when there is none (some ARM kernels).</summary>
    public static string? CpuModelName(string cpuinfo)
    {
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == "model name")
                return line[(colon + 1)..].Trim() is { Length: > 0 } name ? name : null;
        }
        return null;
    }

    /// <summary>Those of <see cref="SpeedVariables"/> that are set, by name.</summary>
    public static JsonObject SetVariables(Func<string, string?> variable)
    {
        var set = new JsonObject();
        foreach (var name in SpeedVariables)
        {
            if (variable(name) is { } value)
                set[name] = value;
        }
        return set;
    }
}
