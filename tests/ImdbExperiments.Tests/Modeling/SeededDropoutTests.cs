using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>SeededDropout keeps the mask's seed instead of the mask; its values and gradients must be those of input * mask.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class SeededDropoutTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void SeededDropout_GivesTheValuesAndGradientsOfTheKeptMask(ScalarType dtype)
    {
        manual_seed(11);
        using var values = randn(4, 6, 33).to(dtype);

        manual_seed(5);
        using var mask = DropoutMask.Create(values.shape, 0.25);
        using var kept = values.detach().requires_grad_(true);
        using var keptOutput = kept.mul(mask.to(dtype));
        using var upstream = randn(4, 6, 33).to(dtype);
        keptOutput.backward([upstream]);

        manual_seed(5);
        using var seeded = values.detach().requires_grad_(true);
        using var seededOutput = SeededDropout.Apply(seeded, 0.25);
        seededOutput.backward([upstream]);

        Assert.True(TinyBert.SameValues(keptOutput.detach(), seededOutput.detach()));
        Assert.True(TinyBert.SameValues(kept.grad!, seeded.grad!));
    }

    [Fact]
    public void SeededDropout_DrawsFromTheGlobalGeneratorAsTheKeptMaskDid()
    {
        manual_seed(5);
        using (var input = ones(8, 8).requires_grad_(true))
        using (var _ = SeededDropout.Apply(input, 0.5)) { }
        using var afterSeeded = get_rng_state();

        manual_seed(5);
        using (var _ = DropoutMask.Create([8, 8], 0.5)) { }
        using var afterKept = get_rng_state();

        Assert.True(TinyBert.SameValues(afterKept, afterSeeded));
    }
}
