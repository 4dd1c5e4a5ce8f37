using ImdbExperiments.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>Turns the spec's device and thread settings into libtorch's.</summary>
public static class TrainingDevices
{
    /// <summary>auto: CUDA when libtorch sees a GPU, else the CPU; cuda without a GPU is an error.</summary>
    public static Device Resolve(TrainingDevice device) => device switch
    {
        TrainingDevice.Cpu => CPU,
        TrainingDevice.Cuda when cuda.is_available() => CUDA,
        TrainingDevice.Cuda => throw new InvalidOperationException(
            "training.device is cuda, but libtorch sees no CUDA device (no GPU, or a CPU-only TorchSharp build); set training.device to cpu or auto."),
        TrainingDevice.Auto => cuda.is_available() ? CUDA : CPU,
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "training.device must be auto, cpu or cuda."),
    };

    /// <summary>Sets libtorch's intra-op thread count (process-wide): <paramref name="threads"/>, or every core when null.</summary>
    public static int ApplyThreads(int? threads)
    {
        var count = threads ?? Environment.ProcessorCount;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, "training.threads");
        set_num_threads(count);
        Modeling.OpenBlas.SetThreads(count);  // its own pool: the same count, so an OpenBLAS GEMM path uses what libtorch would
        return count;
    }

    /// <summary>The device of a module's first parameter (CPU for a module without parameters).</summary>
    public static Device DeviceOf(nn.Module module)
    {
        foreach (var p in module.parameters())
            return p.device;
        return CPU;
    }
}
