using ImdbExperiments.Modeling;

namespace ImdbExperiments.Tests.Modeling;

public sealed class BertConfigTests
{
    // bert-base-uncased's config.json, plus a classifier's labels.
    private const string BertBase = """
        {
          "architectures": ["BertForMaskedLM"],
          "attention_probs_dropout_prob": 0.1,
          "gradient_checkpointing": false,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 768,
          "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
          "initializer_range": 0.02,
          "intermediate_size": 3072,
          "label2id": {"NEGATIVE": 0, "POSITIVE": 1},
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 12,
          "pad_token_id": 0,
          "position_embedding_type": "absolute",
          "transformers_version": "4.6.0.dev0",
          "type_vocab_size": 2,
          "use_cache": true,
          "vocab_size": 30522
        }
        """;

    [Fact]
    public void Parse_ReadsHuggingFaceFields()
    {
        var config = BertConfig.Parse(BertBase);

        Assert.Equal(768, config.HiddenSize);
        Assert.Equal(12, config.NumAttentionHeads);
        Assert.Equal(64, config.HeadDim);
        Assert.Equal(3072, config.IntermediateSize);
        Assert.Equal(1e-12, config.LayerNormEps);
        Assert.Equal(["NEGATIVE", "POSITIVE"], config.Labels);
        Assert.Equal(["BertForMaskedLM"], config.Architectures);
        Assert.Null(config.ClassifierDropout);
        Assert.Equal(0.1, config.EffectiveClassifierDropout);
    }

    [Fact]
    public void ToJson_KeepsUnknownFieldsAndRoundTrips()
    {
        var config = BertConfig.Parse(BertBase);

        var json = config.ToJson();
        var again = BertConfig.Parse(json);

        Assert.Contains("\"transformers_version\": \"4.6.0.dev0\"", json);
        Assert.Contains("\"gradient_checkpointing\": false", json);
        Assert.Equal(config.ExtraFields, again.ExtraFields);
        Assert.Equal(json, again.ToJson());
    }

    [Fact]
    public void Parse_WithoutLabels_GivesTwoGenericLabels()
    {
        var config = BertConfig.Parse("""{"model_type": "bert", "num_labels": 3}""");

        Assert.Equal(["LABEL_0", "LABEL_1", "LABEL_2"], config.Labels);
    }

    [Theory]
    [InlineData("hidden_act", "\"gelu_new\"", "gelu_new")]
    [InlineData("position_embedding_type", "\"relative_key\"", "relative_key")]
    [InlineData("model_type", "\"roberta\"", "roberta")]
    [InlineData("num_attention_heads", "5", "5")]
    [InlineData("hidden_size", "\"big\"", "big")]
    public void Parse_UnsupportedValue_NamesFileFieldAndValue(string field, string json, string shownValue)
    {
        var text = BertBase.Replace($"\"{field}\": ", $"\"{field}\": {json}, \"ignored_{field}\": ");

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(text, "models/x/config.json"));

        Assert.Contains("models/x/config.json", error.Message);
        Assert.Contains(field, error.Message);
        Assert.Contains(shownValue, error.Message);
    }

    [Fact]
    public void Parse_GeluNew_SaysWhatIsSupported()
    {
        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse("""{"hidden_act": "gelu_new"}"""));

        Assert.Contains("supported: \"gelu\"", error.Message);
    }
}
