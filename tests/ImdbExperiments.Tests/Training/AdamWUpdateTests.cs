using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Training;

/// <summary>
/// AdamWUpdate frees each parameter's temporaries before the next, but must update exactly as TorchSharp's AdamW.step()
/// (src/TorchSharp/Optimizers/AdamW.cs: decay, moments, bias corrections, addcdiv), bit for bit, over several steps.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class AdamWUpdateTests
{
    static (Parameter[] Weights, AdamW Optimizer) Setup()
    {
        manual_seed(3);
        var weights = new[] { new Parameter(randn(7, 5)), new Parameter(randn(5)), new Parameter(randn(3, 2, 2)) };
        var optimizer = optim.AdamW(
        [
            new AdamW.ParamGroup(weights[..2], 1e-2, 0.9, 0.999, 1e-8, 0.01),
            new AdamW.ParamGroup(weights[2..], 1e-2, 0.9, 0.999, 1e-8, weight_decay: 0),
        ], 1e-2, 0.9, 0.999, 1e-8, 0.01);
        return (weights, optimizer);
    }

    static void SetGradients(Parameter[] weights, int step)
    {
        manual_seed(100 + step);
        foreach (var weight in weights)
            weight.grad = randn(weight.shape);
    }

    [Fact]
    public void Step_UpdatesExactlyAsTorchSharpsAdamW()
    {
        var (reference, referenceOptimizer) = Setup();
        var (ours, ourOptimizer) = Setup();
        for (var step = 1; step <= 3; step++)
        {
            SetGradients(reference, step);
            SetGradients(ours, step);
            referenceOptimizer.step();
            AdamWUpdate.Step(ourOptimizer);
        }

        for (var i = 0; i < reference.Length; i++)
            Assert.True(reference[i].detach().eq(ours[i].detach()).all().item<bool>(), $"parameter {i}");
        var referenceState = referenceOptimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        var ourState = ourOptimizer.state_dict().State.Cast<AdamW.State>().ToArray();
        for (var i = 0; i < referenceState.Length; i++)
        {
            Assert.Equal(referenceState[i].step, ourState[i].step);
            Assert.True(referenceState[i].exp_avg_sq.eq(ourState[i].exp_avg_sq).all().item<bool>(), $"exp_avg_sq {i}");
        }
    }
}
