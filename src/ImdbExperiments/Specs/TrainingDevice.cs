namespace ImdbExperiments.Specs;

/// <summary>Where training runs; auto picks CUDA when available.</summary>
public enum TrainingDevice
{
    Auto,
    Cpu,
    Cuda,
}
