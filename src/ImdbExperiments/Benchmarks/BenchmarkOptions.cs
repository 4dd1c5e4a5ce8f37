using System.Globalization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// What the benchmark measures: an archive (null = a synthetic one), the models, sequence lengths and precisions
/// (every combination is trained), the batch size, timed steps, threads, the attention-dropout override and the
/// matmul ceiling's size. Option names in errors are the bench command's.
/// </summary>
public sealed record BenchmarkOptions
{
    /// <summary>Longest sequence any benchmarked model takes (BERT's max_position_embeddings).</summary>
    public const int MaxLength = 512;

    /// <summary>Lengths of the real-data epoch estimate (rows only when <see cref="Archive"/> is given).</summary>
    public static readonly IReadOnlyList<int> EpochLengths = [256, 512];

    /// <summary>Timed products of the matmul ceiling, after one warm-up.</summary>
    public const int MatmulRepetitions = 5;

    public string? Archive { get; init; }
    /// <summary>Reviews per label and split of the synthetic archive (4 x this in all) when <see cref="Archive"/> is null.</summary>
    public int SyntheticReviewsPerLabel { get; init; } = 2500;
    public IReadOnlyList<BenchmarkModel> Models { get; init; } = BenchmarkModel.Known;
    public IReadOnlyList<int> Lengths { get; init; } = [128, 256];
    public IReadOnlyList<TrainingPrecision> Precisions { get; init; } = [TrainingPrecision.Fp32, TrainingPrecision.Bf16];
    public int Batch { get; init; } = 16;
    /// <summary>Timed training steps per row, after one warm-up step.</summary>
    public int Steps { get; init; } = 3;
    /// <summary>libtorch threads; null = every core.</summary>
    public int? Threads { get; init; }
    /// <summary>attention_probs_dropout_prob for every model; null = each model's own config.</summary>
    public double? AttentionDropout { get; init; }
    /// <summary>n of the n x n GEMM whose speed is the ceiling that model-FLOPs utilization is measured against.</summary>
    public int MatmulSize { get; init; } = 2048;
    /// <summary>--gemm: only the matmul ceilings and every Linear product of the models through each GEMM library (<see cref="GemmStudy"/>).</summary>
    public bool GemmStudy { get; init; }
    /// <summary>Whether these options started from <see cref="QuickRun"/>.</summary>
    public bool IsQuick { get; init; }

    /// <summary>--quick: MiniLM only, 16 x 128, fp32, 2 timed steps, a small synthetic archive, a 1024 ceiling; under a minute on 2 cores.</summary>
    public static BenchmarkOptions QuickRun => new()
    {
        Models = [BenchmarkModel.MiniLm],
        Lengths = [128],
        Precisions = [TrainingPrecision.Fp32],
        Steps = 2,
        SyntheticReviewsPerLabel = 250,
        MatmulSize = 1024,
        IsQuick = true,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, the value and what is allowed.</summary>
    public void Validate()
    {
        static ArgumentException Bad(string option, object value, string allowed) =>
            new($"{option} {Convert.ToString(value, CultureInfo.InvariantCulture)} is not valid: {allowed}.");

        if (Batch < 1) throw Bad("--batch", Batch, "it must be a positive number of examples per step");
        if (Steps < 1) throw Bad("--steps", Steps, "it must be a positive number of timed steps");
        if (Threads is < 1) throw Bad("--threads", Threads, "it must be a positive thread count");
        if (MatmulSize < 1) throw Bad("matmul size", MatmulSize, "it must be positive");
        if (SyntheticReviewsPerLabel < 1) throw Bad("synthetic reviews per label", SyntheticReviewsPerLabel, "it must be positive");
        if (AttentionDropout is { } p && !(p >= 0 && p < 1))
            throw Bad("--attention-dropout", p, "it must be a dropout probability in [0, 1)");
        if (Models.Count == 0) throw Bad("--models", "(none)", $"give at least one of {BenchmarkArguments.KnownModelNames}");
        if (Lengths.Count == 0) throw Bad("--lengths", "(none)", "give at least one sequence length");
        if (Precisions.Count == 0) throw Bad("--precisions", "(none)", "give at least one of fp32, bf16");
        foreach (var length in Lengths)
        {
            if (length is < 2 or > MaxLength)
                throw Bad("--lengths", length, $"each length must be between 2 ([CLS] and [SEP]) and {MaxLength} (BERT's max_position_embeddings)");
            foreach (var model in Models)
            {
                if (model.RandomConfig is { } config && length > config.MaxPositionEmbeddings)
                    throw Bad("--lengths", length, $"model {model.Name} takes at most {config.MaxPositionEmbeddings} tokens (max_position_embeddings)");
            }
        }
    }
}
