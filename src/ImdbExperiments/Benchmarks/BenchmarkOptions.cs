using ImdbExperiments.Specs;

namespace ImdbExperiments.Benchmarks;

/// <summary>What the benchmark measures: an archive (null = a synthetic one), the batch shape, steps, threads, precisions.</summary>
public sealed record BenchmarkOptions
{
    public string? Archive { get; init; }
    public int Batch { get; init; } = 16;
    public int Length { get; init; } = 256;
    public int Steps { get; init; } = 3;
    public int? Threads { get; init; }
    public IReadOnlyList<TrainingPrecision> Precisions { get; init; } = [TrainingPrecision.Fp32, TrainingPrecision.Bf16];
}
