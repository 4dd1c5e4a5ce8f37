namespace ImdbExperiments.Specs;

/// <summary>Shape of a randomly initialized BERT (model.init: random).</summary>
public sealed record RandomModelSpec
{
    [SpecKey("hidden_size"), SpecRange(Min = 1), SpecDoc("Width of the encoder; divisible by num_attention_heads.")]
    public int HiddenSize { get; init; } = 64;

    [SpecKey("num_hidden_layers"), SpecRange(Min = 1, Max = 48), SpecDoc("Encoder layers.")]
    public int NumHiddenLayers { get; init; } = 2;

    [SpecKey("num_attention_heads"), SpecRange(Min = 1), SpecDoc("Attention heads per layer.")]
    public int NumAttentionHeads { get; init; } = 2;

    [SpecKey("intermediate_size"), SpecRange(Min = 1), SpecDoc("Width of the feed-forward layer.")]
    public int IntermediateSize { get; init; } = 128;

    [SpecKey("max_position_embeddings"), SpecRange(Min = 1), SpecDoc("Longest sequence; at least tokenizer.max_length.")]
    public int MaxPositionEmbeddings { get; init; } = 512;

    [SpecKey("vocab_size_limit"), SpecRange(Min = 100, Max = 200000), SpecDoc("Size of the vocabulary built from the training split.")]
    public int VocabSizeLimit { get; init; } = 8000;
}
