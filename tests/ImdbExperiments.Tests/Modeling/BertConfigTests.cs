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
        var config = BertConfig.Parse(BertBase.Replace("\"id2label\"", "\"num_labels\": 3, \"ignored_id2label\"").Replace("\"label2id\"", "\"ignored_label2id\""));

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
        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(BertBase.Replace("\"gelu\"", "\"gelu_new\"")));

        Assert.Contains("supported: \"gelu\"", error.Message);
    }

    [Theory]
    [InlineData("hidden_size", "1e9", "1000000000", "[1, 16384]")]
    [InlineData("num_hidden_layers", "10000", "10000", "[1, 128]")]
    [InlineData("intermediate_size", "100000", "100000", "[1, 65536]")]
    [InlineData("vocab_size", "2000000", "2000000", "[1, 1048576]")]
    [InlineData("max_position_embeddings", "0", "0", "[1, 65536]")]
    [InlineData("type_vocab_size", "5000", "5000", "[1, 1024]")]
    [InlineData("num_attention_heads", "1024", "1024", "[1, 768]")]
    public void Parse_AbsurdSize_NamesFileKeyValueAndAllowedRange(string field, string json, string shownValue, string range)
    {
        var text = BertBase.Replace($"\"{field}\": ", $"\"{field}\": {json}, \"ignored_{field}\": ");

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(text, "my-bert/config.json"));

        Assert.StartsWith($"my-bert/config.json: {field} = {shownValue} ", error.Message);
        Assert.Contains(range, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Parse_HugeNumLabels_FailsBeforeMakingTheLabels()
    {
        var text = BertBase.Replace("\"id2label\"", "\"num_labels\": 1000000000, \"ignored_id2label\"").Replace("\"label2id\"", "\"ignored_label2id\"");

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(text, "my-bert/config.json"));

        Assert.Contains("num_labels = 1000000000", error.Message);
        Assert.Contains("[1, 10000]", error.Message);
    }

    [Fact]
    public void Parse_EachSizeInRangeButTooManyParametersInAll_IsRefused()
    {
        var text = BertBase.Replace("\"hidden_size\": 768", "\"hidden_size\": 16384").Replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 16")
            .Replace("\"num_hidden_layers\": 12", "\"num_hidden_layers\": 100");

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(text, "my-bert/config.json"));

        Assert.Contains("parameters; at most 2,147,483,648", error.Message);
    }

    // transformers/models/bert/configuration_bert.py defaults every key (vocab_size=30522, hidden_size=768, ...); for a
    // checkpoint the keys that fix the weights' shapes and the head split are required instead of silently bert-base's.
    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_attention_heads")]
    [InlineData("vocab_size")]
    [InlineData("num_hidden_layers")]
    public void Parse_MissingShapeKey_IsRequired_NotBertBasesDefault(string field)
    {
        var text = BertBase.Replace($"\"{field}\": ", $"\"ignored_{field}\": ");

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Parse(text, "my-bert/config.json"));

        Assert.StartsWith($"my-bert/config.json: missing {field};", error.Message);
    }

    [Fact]
    public void Parse_MissingDropoutOrEps_TakesHuggingFacesDefault()
    {
        var text = BertBase.Replace("\"layer_norm_eps\": ", "\"ignored_eps\": ").Replace("\"hidden_dropout_prob\": ", "\"ignored_dropout\": ");

        var config = BertConfig.Parse(text);

        Assert.Equal((1e-12, 0.1), (config.LayerNormEps, config.HiddenDropoutProb));
    }

    [Fact]
    public void Load_FileOverTheSizeLimit_IsRefusedBeforeReading()
    {
        using var temp = new Support.TempFolder();
        var path = temp.Combine("config.json");
        using (var file = File.Create(path))
            file.SetLength(BertConfig.MaxFileBytes + 1);

        var error = Assert.Throws<InvalidDataException>(() => BertConfig.Load(path, "my-bert/config.json"));

        Assert.StartsWith("my-bert/config.json: ", error.Message);
        Assert.Contains("too large", error.Message);
    }
}
