namespace ImdbExperiments.Tests.Support;

/// <summary>Spec pieces the end-to-end tests share, at the top level of a spec's YAML.</summary>
static class TinySpecs
{
    /// <summary>The tiny random BERT those tests train: one layer, hidden size 32, two heads (seconds a run on one thread).</summary>
    public const string RandomModel = """
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
        """;
}
