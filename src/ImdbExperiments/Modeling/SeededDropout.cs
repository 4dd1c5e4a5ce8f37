using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Inverted dropout on the CPU whose backward keeps only the mask's seed: <c>input * mask</c> saves the whole mask for
/// backward (as large as the input, in its dtype: for BERT-base at 16 x 256 about 0.9 GB of fp32 a step, most of it the
/// attention probabilities'), while this draws the same <see cref="DropoutMask"/> again from the seed in backward, which
/// costs one more parallel hash fill. Forward and backward are the same multiplications as <c>input * mask</c>, so the
/// values and gradients are bit for bit those of the kept-mask version.
/// </summary>
internal sealed class SeededDropout : autograd.SingleTensorFunction<SeededDropout>
{
    public override string Name => nameof(SeededDropout);

    /// <param name="input">a contiguous CPU tensor, float32 or bfloat16</param>
    /// <param name="p">dropout probability, 0 &lt; p &lt; 1</param>
    public static Tensor Apply(Tensor input, double p) => apply(input, p);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var p = (double)vars[1];
        var seed = DropoutMask.DrawSeed();
        ctx.save_data("seed", seed);
        ctx.save_data("p", p);
        ctx.save_data("shape", input.shape);
        using var _ = no_grad();
        using var mask = DropoutMask.Create(input.shape, p, seed);
        return Multiply(input, mask);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        using var mask = DropoutMask.Create((long[])ctx.get_data("shape"), (double)ctx.get_data("p"), (ulong)ctx.get_data("seed"));
        return [Multiply(gradOutput, mask), null!];
    }

    private static Tensor Multiply(Tensor x, Tensor mask)
    {
        if (x.dtype == ScalarType.Float32)
            return x.mul(mask);
        using var narrowed = mask.to(x.dtype);
        return x.mul(narrowed);
    }
}
