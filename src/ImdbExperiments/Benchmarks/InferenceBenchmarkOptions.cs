using System.Globalization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Benchmarks;

/// <summary>What <see cref="InferenceBenchmark"/> scores: a fine-tuned folder, real test reviews, a length, a batch size, precisions.</summary>
public sealed record InferenceBenchmarkOptions
{
    public required string ModelFolder { get; init; }
    public required string Archive { get; init; }
    /// <summary>Test reviews scored in each precision; null = all of the archive's (25,000).</summary>
    public int? Reviews { get; init; } = 2000;
    /// <summary>Tokens per review including [CLS] and [SEP] (the figures are at 256).</summary>
    public int MaxLength { get; init; } = 256;
    public int Batch { get; init; } = 32;
    /// <summary>The first is the reference the others' agreement is measured against.</summary>
    public IReadOnlyList<TrainingPrecision> Precisions { get; init; } = [TrainingPrecision.Fp32, TrainingPrecision.Bf16];
    public int? Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, the value and what is allowed.</summary>
    public void Validate()
    {
        static ArgumentException Bad(string option, object value, string allowed) =>
            new($"{option} {Convert.ToString(value, CultureInfo.InvariantCulture)} is not valid: {allowed}.");

        if (Reviews is < 1) throw Bad("--reviews", Reviews, "it must be a positive number of test reviews, or all");
        if (MaxLength is < 2 or > BenchmarkOptions.MaxLength) throw Bad("--length", MaxLength, $"it must be between 2 and {BenchmarkOptions.MaxLength}");
        if (Batch < 1) throw Bad("--batch", Batch, "it must be a positive number of reviews per forward pass");
        if (Threads is < 1) throw Bad("--threads", Threads, "it must be a positive thread count");
        if (Precisions.Count == 0) throw Bad("--precisions", "(none)", "give at least one of fp32, bf16");
    }
}
