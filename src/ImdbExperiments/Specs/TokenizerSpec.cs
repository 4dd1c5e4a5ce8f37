namespace ImdbExperiments.Specs;

/// <summary>How review text becomes token ids.</summary>
public sealed record TokenizerSpec
{
    [SpecKey("lowercase"), SpecDoc("Lowercase before WordPiece; null = do_lower_case of the model's tokenizer_config.json, else true.")]
    public bool? Lowercase { get; init; }

    [SpecKey("max_length"), SpecRange(Min = 8, Max = 8192), SpecDoc("Tokens per review including [CLS] and [SEP]; at most the model's max_position_embeddings.")]
    public int MaxLength { get; init; } = 256;

    [SpecKey("truncation"), SpecDoc("Which tokens of a longer review are kept.")]
    public TruncationMode Truncation { get; init; } = TruncationMode.Head;

    [SpecKey("head_tokens"), SpecRange(Min = 1), SpecDoc("Tokens kept from the head with head+tail; less than max_length - 2.")]
    public int HeadTokens { get; init; } = 128;

    [SpecKey("strip_html"), SpecDoc("Replace <br /> tags with spaces before tokenizing.")]
    public bool StripHtml { get; init; } = true;
}
