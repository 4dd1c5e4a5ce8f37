using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// TorchSharp's <c>AdamW.step()</c> (src/TorchSharp/Optimizers/AdamW.cs), the same operations in the same order on the
/// same state objects, but each parameter's temporaries freed before the next: TorchSharp runs every parameter inside
/// one dispose scope, so <c>sqrt(exp_avg_sq)</c> and its quotient stay alive for the whole model until the step ends,
/// two fp32 copies of the weights at once (0.9 GB for BERT-base). Here one parameter's worth is live at a time.
/// The state stays TorchSharp's, so checkpoints (<c>save_state_dict</c>) are unchanged. AMSGrad and maximize are not
/// supported (the trainer uses neither).
/// </summary>
internal static class AdamWUpdate
{
    public static void Step(AdamW optimizer)
    {
        var states = optimizer.state_dict().State;
        var index = 0;
        using var _ = no_grad();
        foreach (var controller in optimizer.ParamGroups)
        {
            var group = (AdamW.ParamGroup)controller;
            var options = group.Options;
            if (options.amsgrad == true || options.maximize == true)
                throw new InvalidOperationException("AdamWUpdate supports neither amsgrad nor maximize; this is a bug.");
            var (beta1, beta2) = (options.beta1!.Value, options.beta2!.Value);
            var (lr, eps, weightDecay) = (options.LearningRate!.Value, options.eps!.Value, options.weight_decay!.Value);
            foreach (var parameter in group.Parameters)
            {
                var state = (AdamW.State)states[index++];
                using var grad = parameter.grad;
                if (grad is null)
                    continue;
                state.step += 1;
                parameter.mul_(1 - lr * weightDecay);
                var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
                var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
                state.exp_avg.mul_(beta1).add_(grad, alpha: 1 - beta1);
                state.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
                using var denominator = state.exp_avg_sq.sqrt();
                denominator.div_(Math.Sqrt(biasCorrection2)).add_(eps);
                parameter.addcdiv_(state.exp_avg, denominator, value: -(lr / biasCorrection1));
            }
        }
    }
}
