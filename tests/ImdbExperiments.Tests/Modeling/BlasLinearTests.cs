using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class BlasLinearTests
{
    /// <summary>A (2, 7, 48) input through a 48 -> 40 layer: the layout of a BERT Linear, with rows not a multiple of any kernel's tile.</summary>
    static (Tensor Input, Tensor Weight, Tensor Bias) Operands(bool withBias = true)
    {
        using var generator = new Generator(11);
        var input = randn(2, 7, 48, generator: generator).requires_grad_();
        var weight = randn(40, 48, generator: generator).mul_(0.1).requires_grad_();
        var bias = withBias ? randn(40, generator: generator).requires_grad_() : null!;
        return (input, weight, bias);
    }

    /// <summary>fp32 rounding of a length-48 or length-14 dot product of unit-scale values, with room for a different summation order.</summary>
    static void Close(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (expected - actual).abs().max().item<float>();
        var scale = expected.abs().max().item<float>();
        Assert.True(error <= 1e-5f * Math.Max(scale, 1f), $"{what}: max |libtorch - OpenBLAS| = {error} at scale {scale}");
    }

    [OpenBlasFact]
    public void OpenBlasLinear_OutputAndEveryGradient_EqualLibTorchsLinear_WithinFp32Rounding()
    {
        using var scope = NewDisposeScope();
        var (x, w, b) = Operands();
        using var generator = new Generator(12);
        var upstream = randn(2, 7, 40, generator: generator);  // dL/dy, so each gradient is a full product, not a sum of ones

        var expected = nn.functional.linear(x, w, b);
        expected.backward([upstream]);
        var (dx, dw, db) = (x.grad!.clone(), w.grad!.clone(), b.grad!.clone());
        foreach (var t in new[] { x, w, b }) t.grad!.zero_();

        var actual = BlasLinear.Apply(x, w, b);
        actual.backward([upstream]);

        Close(expected, actual, "output");
        Close(dx, x.grad!, "input gradient");
        Close(dw, w.grad!, "weight gradient");
        Close(db, b.grad!, "bias gradient");
        Assert.False(ReferenceEquals(actual, expected));
        Assert.NotEqual(0f, (expected - actual).abs().max().item<float>() + 1f);  // the figures above were compared, not skipped
    }

    [OpenBlasFact]
    public void OpenBlasLinear_WithoutBias_AndOnAOneRowInput_MatchesLibTorch_AndLeavesTheBiasAlone()
    {
        using var scope = NewDisposeScope();
        var (x, w, _) = Operands(withBias: false);
        Close(nn.functional.linear(x, w), BlasLinear.Apply(x, w, null), "output without bias");

        // One row: expand(1, out) of the bias is contiguous, so writing into "it" must not write into the bias.
        var (one, weight, bias) = (x.select(1, 0).narrow(0, 0, 1), w, randn(40));
        var before = bias.clone();
        Close(nn.functional.linear(one, weight, bias), BlasLinear.Apply(one, weight, bias), "one row");
        Assert.True(before.eq(bias).all().item<bool>(), "the bias was overwritten");
    }

    [OpenBlasFact]
    public void OpenBlasLinear_IsBitwiseRepeatable()
    {
        using var scope = NewDisposeScope();
        Tensor[] Run()
        {
            var (x, w, b) = Operands();
            var y = BlasLinear.Apply(x, w, b);
            y.pow(2).sum().backward();
            return [y.detach(), x.grad!, w.grad!, b.grad!];
        }

        var first = Run();
        var second = Run();

        for (var i = 0; i < first.Length; i++)
            Assert.True(first[i].eq(second[i]).all().item<bool>(), $"tensor {i} differs between two identical runs");
    }

    [Fact]
    public void OnTheMklPath_ALayerIsLibTorchsOwnLinear()
    {
        using var scope = NewDisposeScope();
        using var _ = GemmSelection.Force(GemmPath.Mkl);
        using var layer = nn.Linear(48, 40);
        var (x, _, _) = Operands();

        Assert.True(layer.call(x).eq(BlasLinear.Forward(layer, x)).all().item<bool>());
    }
}
