using ImdbExperiments.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// bf16 mixed precision without autocast (TorchSharp 0.107 has none): a bf16 copy of the model runs forward and
/// backward; its gradients are copied into the fp32 master weights, which the optimizer updates (fp32 state), and the
/// updated weights are copied back. Every op of the copy runs in bf16, LayerNorm and softmax included (libtorch
/// accumulates those in fp32 internally); the loss is computed in fp32 from the logits.
/// </summary>
internal sealed class Bf16ComputeCopy : IDisposable
{
    private readonly (Parameter Master, Parameter Compute)[] _pairs;

    private Bf16ComputeCopy(BertForSequenceClassification model, (Parameter, Parameter)[] pairs)
    {
        Model = model;
        _pairs = pairs;
    }

    public BertForSequenceClassification Model { get; }

    public static Bf16ComputeCopy Create(BertForSequenceClassification master, Device device)
    {
        var copy = new BertForSequenceClassification(master.Config);
        copy.to(device, ScalarType.BFloat16);
        var masterParameters = master.named_parameters().ToArray();
        var copyParameters = copy.named_parameters().ToArray();
        if (!masterParameters.Select(p => p.name).SequenceEqual(copyParameters.Select(p => p.name)))
            throw new InvalidOperationException("The bf16 copy of the model has other parameters than the model; this is a bug.");
        var result = new Bf16ComputeCopy(copy, masterParameters.Zip(copyParameters, (m, c) => (m.parameter, c.parameter)).ToArray());
        result.CopyWeights();
        return result;
    }

    /// <summary>Rounds the master weights into the copy.</summary>
    public void CopyWeights()
    {
        using var _ = no_grad();
        foreach (var (master, compute) in _pairs)
            compute.copy_(master);
    }

    /// <summary>Moves the copy's gradients into the master's (as fp32) and drops the copy's (they would hold half a model's
    /// worth of memory through the next forward).</summary>
    public void MoveGradients()
    {
        using var _ = no_grad();
        foreach (var (master, compute) in _pairs)
        {
            using var grad = compute.grad;
            if (grad is null)
                continue;
            using var masterGrad = master.grad;
            if (masterGrad is null)
            {
                using var widened = grad.to(ScalarType.Float32);
                master.grad = widened;
            }
            else
                masterGrad.copy_(grad);
        }
        Model.zero_grad(set_to_none: true);
    }

    public void Dispose() => Model.Dispose();
}
