using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>
/// training.gradient_checkpointing follows Hugging Face's gradient_checkpointing_enable() (transformers/modeling_utils.py,
/// torch.utils.checkpoint.checkpoint with use_reentrant=True and preserve_rng_state=True around each BertLayer): backward
/// recomputes each layer from its input with the generator as it was in forward, so dropout replays the same masks and
/// every gradient equals the plain step's.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class GradientCheckpointingTests
{
    static readonly BertConfig Config = TinyBert.Config with { HiddenDropoutProb = 0.3, AttentionProbsDropoutProb = 0.3, NumHiddenLayers = 3 };

    /// <summary>One training step's loss and every parameter's gradient by name, with dropout on, from seed 7.</summary>
    static (float Loss, Dictionary<string, Tensor> Gradients, Tensor RngAfter) Step(bool checkpointing, ScalarType dtype = ScalarType.Float32)
    {
        using var model = BertForSequenceClassification.CreateRandom(Config, seed: 3);
        model.to(dtype);
        model.train();
        model.GradientCheckpointing = checkpointing;
        var (ids, mask, types) = TinyBert.Batch();
        manual_seed(7);
        var logits = model.call(ids, mask, types).to(ScalarType.Float32);
        var loss = nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1, 1 }));
        loss.backward();
        var gradients = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.detach().clone());
        return (loss.item<float>(), gradients, get_rng_state());
    }

    [Fact]
    public void Checkpointing_GivesTheSameGradientsAsThePlainStepWithDropout()
    {
        var plain = Step(checkpointing: false);
        var checkpointed = Step(checkpointing: true);

        Assert.Equal(plain.Loss, checkpointed.Loss);
        Assert.Equal(plain.Gradients.Keys, checkpointed.Gradients.Keys);
        foreach (var (name, gradient) in plain.Gradients)
        {
            var other = checkpointed.Gradients[name];
            Assert.True(gradient.allclose(other, rtol: 1e-5, atol: 1e-7),
                $"{name}: largest difference {(gradient - other).abs().max().item<float>()}");
        }
        // The dropout masks were drawn again from the stashed state, and the generator put back where the plain step leaves it.
        Assert.True(TinyBert.SameValues(plain.RngAfter, checkpointed.RngAfter));
    }

    [Fact]
    public void Checkpointing_GivesTheSameGradientsInBf16()
    {
        var plain = Step(checkpointing: false, ScalarType.BFloat16);
        var checkpointed = Step(checkpointing: true, ScalarType.BFloat16);

        foreach (var (name, gradient) in plain.Gradients)
            Assert.True(TinyBert.SameValues(gradient, checkpointed.Gradients[name]), name);
    }
}
