using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Activation checkpointing of one encoder layer, as Hugging Face's <c>gradient_checkpointing_enable()</c> does it
/// (transformers/modeling_utils.py: <c>torch.utils.checkpoint.checkpoint</c> with <c>use_reentrant=True</c> around each
/// BertLayer's <c>__call__</c>). Forward runs the layer without autograd and keeps only its input and mask; backward
/// runs the layer again with autograd, from the same generator state (PyTorch's <c>preserve_rng_state=True</c>, so
/// every dropout mask is drawn again bit for bit), backpropagates the output's gradient through it and returns the
/// input's. The generator is put back afterwards, so a checkpointed step leaves it where a plain step does.
/// </summary>
internal sealed class BertLayerCheckpoint : autograd.SingleTensorFunction<BertLayerCheckpoint>
{
    public override string Name => nameof(BertLayerCheckpoint);

    /// <summary>The layer's output (B, T, H), with a backward that recomputes the layer.</summary>
    public static Tensor Run(BertLayer layer, Tensor hidden, Tensor mask) => apply(layer, hidden, mask);

    /// <param name="vars">the layer, hidden (B, T, H), mask (B, 1, 1, T)</param>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var layer = (BertLayer)vars[0];
        var hidden = (Tensor)vars[1];
        var mask = (Tensor)vars[2];
        ctx.save_data("layer", layer);
        using (var rng = get_rng_state())
            ctx.save_data("rng", rng.bytes.ToArray());   // TorchSharp keeps tensors only through save_for_backward
        ctx.save_for_backward([hidden, mask]);
        using var _ = no_grad();
        return layer.call(hidden, mask);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var layer = (BertLayer)ctx.get_data("layer");
        using var stashed = tensor((byte[])ctx.get_data("rng"), ScalarType.Byte);
        var saved = ctx.get_saved_variables();
        Tensor inputGrad;
        using (var scope = NewDisposeScope())
        {
            using var now = get_rng_state();
            set_rng_state(stashed);
            try
            {
                var hidden = saved[0].detach().requires_grad_(true);
                using (var _ = enable_grad())
                {
                    var output = layer.call(hidden, saved[1]);
                    output.backward([gradOutput]);
                }
                inputGrad = hidden.grad ?? zeros_like(hidden);
                inputGrad.MoveToOuterDisposeScope();
            }
            finally
            {
                set_rng_state(now);
            }
        }
        return [null!, inputGrad, null!];
    }
}
