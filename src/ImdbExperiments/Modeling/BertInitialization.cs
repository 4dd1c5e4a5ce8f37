using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>Hugging Face's BertPreTrainedModel._init_weights, drawn from one seeded generator.</summary>
internal static class BertInitialization
{
    /// <summary>
    /// Initializes the parameters whose names <paramref name="select"/> accepts (all when null), in registration
    /// order, so the same seed gives the same weights: Linear/Embedding weights ~ normal(0, initializer_range),
    /// biases 0, LayerNorm 1 and 0, and the padding token's embedding row 0.
    /// </summary>
    public static IReadOnlyList<string> Apply(nn.Module model, BertConfig config, long seed, Func<string, bool>? select = null)
    {
        var initialized = new List<string>();
        using var generator = new Generator(unchecked((ulong)seed));
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (select is not null && !select(name))
                continue;
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal))
                nn.init.ones_(parameter);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                nn.init.zeros_(parameter);
            else
            {
                // nn.init.normal_ ignores its generator argument in TorchSharp 0.107; randn honours it.
                using var draw = randn(parameter.shape, dtype: parameter.dtype, generator: generator);
                parameter.copy_(draw.mul_(config.InitializerRange));
            }

            if (name.EndsWith("word_embeddings.weight", StringComparison.Ordinal))
                parameter[config.PadTokenId].zero_();
            initialized.Add(name);
        }
        return initialized;
    }
}
