using System.Text.Json.Nodes;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// One measured figure: its headline <see cref="Value"/> and <see cref="Unit"/> (enough to rebuild a generic table),
/// a human <see cref="Detail"/>, and the structured fields that apply to it (null where a field does not apply).
/// </summary>
/// <param name="Name">what was measured: one of the constants below</param>
public sealed record BenchmarkResult(string Name, double Value, string Unit, string Detail)
{
    public const string Matmul = "matmul";
    public const string Ingest = "ingest";
    public const string Split = "split";
    public const string Tokenize = "tokenize";
    public const string Train = "train";
    public const string Inference = "inference";
    public const string Gemm = "gemm";
    public const string Epoch = "epoch";

    public string? Model { get; init; }
    public int? Batch { get; init; }
    public int? Length { get; init; }
    /// <summary>n of an n x n matmul.</summary>
    public int? MatrixSize { get; init; }
    public string? Precision { get; init; }
    /// <summary>The GEMM library (<see cref="GemmKernel.Name"/>) of a gemm or matmul row, or the one a train row's fp32 layers used.</summary>
    public string? Path { get; init; }
    /// <summary>"m x k x n" of a gemm row.</summary>
    public string? Dimensions { get; init; }
    /// <summary>The Linear layers a gemm row's product belongs to.</summary>
    public string? Layers { get; init; }
    /// <summary>forward, input_grad or weight_grad.</summary>
    public string? Product { get; init; }
    /// <summary>Tokens per second (non-padding tokens of real batches) of an epoch row.</summary>
    public double? TokensPerSecond { get; init; }
    /// <summary>The attention_probs_dropout_prob the model ran with.</summary>
    public double? AttentionDropout { get; init; }
    /// <summary>Seconds of one run of a whole operation (ingest, split, a tokenizer pass, a matmul).</summary>
    public double? Seconds { get; init; }
    /// <summary>Seconds per optimizer step (train) or per batch (inference).</summary>
    public double? SecondsPerStep { get; init; }
    public double? ExamplesPerSecond { get; init; }
    public double? Gflops { get; init; }
    /// <summary>Model-FLOPs utilization: <see cref="Gflops"/> over the matmul ceiling of the row's own precision and GEMM path.</summary>
    public double? Mfu { get; init; }
    /// <summary>Inference seconds per example over the fp32 training step's seconds per example.</summary>
    public double? InferenceToTrainTime { get; init; }
    /// <summary>Peak resident set size during the measurement; null where it is not measured or cannot be (no /proc).</summary>
    public long? PeakRssBytes { get; init; }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["model"] = Model,
        ["batch"] = Batch,
        ["length"] = Length,
        ["matrix_size"] = MatrixSize,
        ["precision"] = Precision,
        ["path"] = Path,
        ["dimensions"] = Dimensions,
        ["layers"] = Layers,
        ["product"] = Product,
        ["tokens_per_second"] = TokensPerSecond,
        ["attention_dropout"] = AttentionDropout,
        ["seconds"] = Seconds,
        ["seconds_per_step"] = SecondsPerStep,
        ["examples_per_second"] = ExamplesPerSecond,
        ["gflops"] = Gflops,
        ["mfu"] = Mfu,
        ["inference_to_train_time"] = InferenceToTrainTime,
        ["peak_rss_bytes"] = PeakRssBytes,
        ["value"] = Value,
        ["unit"] = Unit,
        ["detail"] = Detail,
    };
}
