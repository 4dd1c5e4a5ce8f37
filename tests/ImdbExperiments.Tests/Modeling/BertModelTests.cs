using ImdbExperiments.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

public sealed class BertModelTests
{
    private static IEnumerable<string> HuggingFaceBertKeys(int layers)
    {
        yield return "embeddings.word_embeddings.weight";
        yield return "embeddings.position_embeddings.weight";
        yield return "embeddings.token_type_embeddings.weight";
        yield return "embeddings.LayerNorm.weight";
        yield return "embeddings.LayerNorm.bias";
        for (var i = 0; i < layers; i++)
        {
            foreach (var part in new[]
                     {
                         "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                         "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
                     })
            {
                yield return $"encoder.layer.{i}.{part}.weight";
                yield return $"encoder.layer.{i}.{part}.bias";
            }
        }
        yield return "pooler.dense.weight";
        yield return "pooler.dense.bias";
    }

    [Fact]
    public void StateDictKeys_AreHuggingFaceKeys()
    {
        using var model = new BertForSequenceClassification(TinyBert.Config);

        var expected = HuggingFaceBertKeys(2).Select(k => "bert." + k).Append("classifier.weight").Append("classifier.bias");

        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
        Assert.Equal(new long[] { 2, 16 }, model.state_dict()["classifier.weight"].shape);
        Assert.Equal(new long[] { 32, 16 }, model.state_dict()["bert.encoder.layer.1.intermediate.dense.weight"].shape);
    }

    [Fact]
    public void BaseModelStateDictKeys_HaveNoPrefix()
    {
        using var model = new BertModel(TinyBert.Config);

        Assert.Equal(HuggingFaceBertKeys(2).Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    public void CreateRandom_IsIdenticalForSameSeed()
    {
        using var a = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 7);
        using var b = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 7);
        using var c = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 8);

        var (sa, sb, sc) = (a.state_dict(), b.state_dict(), c.state_dict());
        Assert.All(sa.Keys, key => Assert.True(TinyBert.SameValues(sa[key], sb[key]), key));
        Assert.False(TinyBert.SameValues(sa["bert.encoder.layer.0.attention.self.query.weight"], sc["bert.encoder.layer.0.attention.self.query.weight"]));
    }

    [Fact]
    public void CreateRandom_FollowsHuggingFaceInit()
    {
        var config = TinyBert.Config with { VocabSize = 2000, HiddenSize = 64, NumAttentionHeads = 4, IntermediateSize = 64 };
        using var model = BertForSequenceClassification.CreateRandom(config, seed: 1);
        var weights = model.state_dict();

        var words = weights["bert.embeddings.word_embeddings.weight"];
        Assert.Equal(0.02, words.std().item<float>(), 0.002);
        Assert.Equal(0.0, words[config.PadTokenId].abs().sum().item<float>());
        Assert.True(weights["bert.encoder.layer.0.output.LayerNorm.weight"].eq(1).all().item<bool>());
        Assert.True(weights["bert.encoder.layer.0.output.LayerNorm.bias"].eq(0).all().item<bool>());
        Assert.True(weights["classifier.bias"].eq(0).all().item<bool>());
    }

    [Fact]
    public void Forward_GivesLogitsPerSequence()
    {
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 1);
        model.eval();
        var (ids, mask, types) = TinyBert.Batch();

        using var logits = model.call(ids, mask, types);

        Assert.Equal(new long[] { 3, 2 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_IgnoresPaddedPositions()
    {
        using var model = BertModel.CreateRandom(TinyBert.Config, seed: 3);
        model.eval();
        var (ids, mask, types) = TinyBert.Batch();
        // Row 1 alone, unpadded: its 6 real tokens.
        using var alone = ids[1].narrow(0, 0, 6).unsqueeze(0);

        var (padded, paddedPooled) = model.call(ids, mask, types);
        var (unpadded, unpaddedPooled) = model.call(alone, ones_like(alone), zeros_like(alone));

        Assert.True(padded[1].narrow(0, 0, 6).allclose(unpadded[0], rtol: 0, atol: 1e-5));
        Assert.True(paddedPooled[1].allclose(unpaddedPooled[0], rtol: 0, atol: 1e-5));
    }

    [Fact]
    public void Forward_RowWithoutTokens_StaysFinite()
    {
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 1);
        model.eval();
        var (ids, mask, types) = TinyBert.Batch();
        mask[2] = zeros(9, dtype: ScalarType.Int64);

        using var logits = model.call(ids, mask, types);

        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Forward_InTrainingMode_AppliesDropout()
    {
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config with { HiddenDropoutProb = 0.5 }, seed: 1);
        var (ids, mask, types) = TinyBert.Batch();

        model.train();
        using var first = model.call(ids, mask, types);
        using var second = model.call(ids, mask, types);
        model.eval();
        using var evalFirst = model.call(ids, mask, types);
        using var evalSecond = model.call(ids, mask, types);

        Assert.False(TinyBert.SameValues(first, second));
        Assert.True(TinyBert.SameValues(evalFirst, evalSecond));
    }

    [Fact]
    public void SelfAttention_Evaluating_FusedKernelEqualsSoftmaxOfScaledScores()
    {
        // Inference runs libtorch's scaled_dot_product_attention (TorchSharp 0.107 torch.nn.functional); it must compute
        // softmax(q k^T / sqrt(D) + mask) v of modeling_bert.py's BertSelfAttention, padded keys masked out, within fp32 rounding.
        var config = TinyBert.Config;
        using var attention = new BertSelfAttention(config);
        attention.eval();
        using var inference = inference_mode();
        manual_seed(3);
        using var hidden = randn(3, 9, config.HiddenSize);                                               // (B, T, H)
        var (_, attentionMask, _) = TinyBert.Batch();
        using var mask = (1 - attentionMask.to_type(ScalarType.Float32)).mul(finfo(ScalarType.Float32).min).view(3, 1, 1, 9);

        using var fused = attention.call(hidden, mask);                                                   // (B, T, H)

        var p = attention.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Tensor Heads(string name) => nn.functional.linear(hidden, p[$"{name}.weight"], p[$"{name}.bias"])
            .view(3, 9, config.NumAttentionHeads, config.HeadDim).transpose(1, 2);                      // (B, N, T, D)
        var scores = matmul(Heads("query"), Heads("key").transpose(-2, -1)).div(Math.Sqrt(config.HeadDim)).add(mask);
        using var expected = matmul(nn.functional.softmax(scores, -1), Heads("value")).transpose(1, 2).reshape(3, 9, config.HiddenSize);

        Assert.True(fused.allclose(expected, rtol: 1e-5, atol: 1e-6), $"largest difference {(fused - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Forward_InTraining_AttentionWithDropout_ComputesWhatTheFusedKernelDoes()
    {
        // p = 1e-9 drops nothing (its 16-bit threshold is 0) but still takes the CPU attention path with a dropout mask;
        // with hidden dropout off, training and evaluation must then agree, padding included.
        using var model = BertForSequenceClassification.CreateRandom(
            TinyBert.Config with { HiddenDropoutProb = 0, AttentionProbsDropoutProb = 1e-9 }, seed: 1);
        var (ids, mask, types) = TinyBert.Batch();

        model.train();
        using var training = model.call(ids, mask, types);
        model.eval();
        using var evaluating = model.call(ids, mask, types);

        Assert.True(training.allclose(evaluating, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Forward_LongerThanMaxPositions_SaysHowToFix()
    {
        using var model = new BertModel(TinyBert.Config);
        using var ids = ones(1, 30, dtype: ScalarType.Int64);

        var error = Assert.Throws<ArgumentException>(() => model.call(ids, ones_like(ids), zeros_like(ids)));

        Assert.Contains("max_position_embeddings = 24", error.Message);
    }

    [Fact]
    public void Forward_LeavesNoTensorsInTheCallersScope()
    {
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 1);
        model.eval();
        var (ids, mask, types) = TinyBert.Batch();

        using var scope = NewDisposeScope();
        var before = scope.DisposablesCount;
        var logits = model.call(ids, mask, types);

        Assert.Equal(before + 1, scope.DisposablesCount);
        Assert.False(logits.IsInvalid);
    }
}
