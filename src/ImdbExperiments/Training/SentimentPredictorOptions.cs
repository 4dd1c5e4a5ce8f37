using ImdbExperiments.Specs;
using TruncationMode = ImdbExperiments.Text.TruncationMode;

namespace ImdbExperiments.Training;

/// <summary>How <see cref="SentimentPredictor"/> tokenizes and batches; give it the tokenizer settings the model was trained with.</summary>
public sealed record SentimentPredictorOptions
{
    /// <summary>Tokens per text including [CLS] and [SEP]; null = the folder's model_max_length, capped at max_position_embeddings.</summary>
    public int? MaxLength { get; init; }

    /// <summary>null = the folder's tokenizer_config.json (imdbx_truncation, else truncation_side), else head.</summary>
    public TruncationMode? Truncation { get; init; }

    /// <summary>Wordpieces kept from the start under head+tail truncation; null = the folder's imdbx_head_tokens, else 128.</summary>
    public int? HeadTokens { get; init; }

    /// <summary>Replace &lt;br /&gt; tags with spaces first; null = the folder's imdbx_strip_html, else true (the training default).</summary>
    public bool? StripHtml { get; init; }

    /// <summary>null = do_lower_case from the folder's tokenizer_config.json.</summary>
    public bool? Lowercase { get; init; }

    /// <summary>Texts per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    public TrainingDevice Device { get; init; } = TrainingDevice.Auto;

    /// <summary>bf16 converts the weights and runs every op in bf16; auto = bf16 where the CPU has native bf16 (<see cref="ResolvedPrecision.Resolve"/>).</summary>
    public InferencePrecision Precision { get; init; } = InferencePrecision.Fp32;
}
