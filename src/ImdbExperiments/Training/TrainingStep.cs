using ImdbExperiments.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// The two halves of an optimizer step, shared by the <see cref="Trainer"/> and the memory probe so the probe measures
/// the step that training runs: a batch's forward and backward, then the update.
/// </summary>
internal static class TrainingStep
{
    /// <summary>Forward, cross-entropy in fp32, backward of loss / <paramref name="groupSize"/> (the batches of one step); returns the loss.</summary>
    /// <param name="afterForward">called between forward and backward, when the activations saved for backward are all alive</param>
    public static float Backward(BertForSequenceClassification compute, TokenBatch batch, int groupSize, Action? afterForward = null)
    {
        using var scope = NewDisposeScope();
        var logits = compute.call(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).to(ScalarType.Float32); // (B, 2)
        var loss = nn.functional.cross_entropy(logits, batch.Labels);
        afterForward?.Invoke();
        loss.div(groupSize).backward();
        return loss.item<float>();
    }

    /// <summary>
    /// Gradients into the fp32 master (bf16), clipping, AdamW at <paramref name="learningRate"/>, the bf16 copy refreshed;
    /// returns the gradient norm before clipping. The gradients are then dropped (PyTorch's <c>zero_grad(set_to_none=True)</c>,
    /// its default since 2.0) instead of zeroed: zeroed ones would hold a model's worth of memory through the next forward,
    /// when activations peak, and accumulating into none gives the same values as into zeros.
    /// </summary>
    public static double Update(BertForSequenceClassification model, Bf16ComputeCopy? bf16, AdamW optimizer, Parameter[] parameters,
        double? maxGradNorm, double learningRate)
    {
        bf16?.MoveGradients();
        var gradNorm = nn.utils.clip_grad_norm_(parameters, maxGradNorm ?? double.PositiveInfinity);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = learningRate;
        AdamWUpdate.Step(optimizer);
        model.zero_grad(set_to_none: true);
        bf16?.CopyWeights();
        return gradNorm;
    }
}
