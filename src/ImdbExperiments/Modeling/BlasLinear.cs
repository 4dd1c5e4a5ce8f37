using System.Collections;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// A Linear layer's y = x W^T + b whose three products (forward, input gradient, weight gradient) run through
/// <see cref="GemmPath"/>'s library: libtorch's own Linear on <see cref="GemmPath.Mkl"/>, else OpenBLAS's sgemm for fp32
/// CPU tensors through a custom autograd function. Anything else (bf16, CUDA) stays with libtorch.
/// </summary>
public static unsafe class BlasLinear
{
    /// <summary>Applies <paramref name="layer"/> to <paramref name="input"/> (..., in) -> (..., out) through the process's GEMM path.</summary>
    public static Tensor Forward(Linear layer, Tensor input) =>
        GemmSelection.Current.Path == GemmPath.OpenBlas && UsesBlas(input, layer.weight!)
            ? Apply(input, layer.weight!, layer.bias)
            : layer.call(input);

    /// <summary>x W^T + b through OpenBLAS, with autograd (<see cref="SgemmLinearFunction"/>).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias)
    {
        var result = SgemmLinearFunction.apply(input, weight, bias!);
        SgemmLinearFunction.ReleaseForwardTemporaries();
        return result;
    }

    /// <summary>Whether TorchSharp's internals that <see cref="SgemmLinearFunction"/> relies on are there (checked once).</summary>
    public static bool IsSupported => OutputCacheField.Value is not null && NodeField.Value is not null;

    static bool UsesBlas(Tensor input, Tensor weight) =>
        input.dtype == ScalarType.Float32 && weight.dtype == ScalarType.Float32 && input.device_type == DeviceType.CPU && weight.device_type == DeviceType.CPU;

    // TorchSharp keeps an empty_like copy of every output of a custom function for the life of its graph node, to
    // materialize missing gradients: for BERT-base at 16 x 128 about 0.75 GB a step. Gradients are never missing here
    // (one output, always used), so those copies are released right after apply.
    static readonly Lazy<FieldInfo?> NodeField = new(() => typeof(autograd.AutogradContext).GetField("_node", BindingFlags.Instance | BindingFlags.NonPublic));
    static readonly Lazy<FieldInfo?> OutputCacheField = new(() =>
        typeof(autograd.AutogradContext).Assembly.GetType("TorchSharp.torch+autograd+Node`1")?.MakeGenericType(typeof(SgemmLinearFunction))
            .GetField("_outputCache", BindingFlags.Instance | BindingFlags.NonPublic));

    [DllImport("LibTorchSharp")]
    static extern IntPtr THSTensor_data(IntPtr handle);

    /// <summary>The first element of a contiguous fp32 CPU tensor.</summary>
    internal static float* Data(Tensor tensor)
    {
        var pointer = THSTensor_data(tensor.Handle);
        torch.CheckForErrors();
        return (float*)pointer;
    }

    static int Dimension(long value, string what) =>
        value <= int.MaxValue ? (int)value : throw new ArgumentException($"A Linear layer's {what} ({value}) is beyond what a 32-bit BLAS takes; set {GemmSelection.EnvironmentVariable}=mkl.");

    /// <summary>The autograd function: saves the flattened input and the weight; backward does dX = dY W and dW = dY^T X.</summary>
    public sealed class SgemmLinearFunction : autograd.SingleTensorFunction<SgemmLinearFunction>
    {
        public override string Name => "SgemmLinear";

        // Tensors forward makes that must outlive it until apply has saved them; disposed by Apply right after.
        [ThreadStatic] static List<Tensor>? forwardTemporaries;
        [ThreadStatic] static autograd.AutogradContext? lastContext;
        // Gradients handed to libtorch in the previous backward: it has copied them by now, so their handles can go.
        [ThreadStatic] static List<Tensor>? returnedGradients;

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (input, weight, bias) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as Tensor);
            var shape = input.shape;
            var inputs = Dimension(shape[^1], "input size");
            var outputs = Dimension(weight.shape[0], "output size");
            if (weight.shape[1] != inputs)
                throw new ArgumentException($"Linear: input has {inputs} features but the weight is {weight.shape[0]} x {weight.shape[1]}.");
            var rows = Dimension(shape[^1] == 0 ? 0 : input.numel() / shape[^1], "row count");

            var x = input.reshape(rows, inputs).contiguous();    // (rows, in)
            var w = weight.contiguous();                         // (out, in)
            // C = bias broadcast, then C = X W^T + C: the bias is added inside the product, as libtorch's addmm does.
            // A fresh buffer either way: contiguous() of a one-row expand would be the bias itself.
            var y = bias is null ? empty(rows, outputs) : empty(rows, outputs).copy_(bias.expand(rows, outputs));  // (rows, out)
            if (rows > 0)
                OpenBlas.Sgemm(false, true, rows, outputs, inputs, Data(x), inputs, Data(w), inputs, Data(y), outputs, bias is null ? 0f : 1f);

            ctx.save_for_backward([x, w]);
            ctx.save_data("shape", shape);
            ctx.save_data("bias", bias is not null);
            ctx.save_data("input_grad", input.requires_grad);
            ctx.save_data("weight_grad", weight.requires_grad);
            ctx.set_materialize_grads(false);
            var outShape = shape.ToArray();
            outShape[^1] = outputs;
            var result = y.view(outShape);                       // (..., out)
            (forwardTemporaries ??= []).AddRange([x, w, y, result]);
            lastContext = ctx;
            return result;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            ReleaseReturnedGradients();
            var saved = ctx.get_saved_variables();
            var (x, w) = (saved[0], saved[1]);                   // (rows, in), (out, in)
            var shape = (long[])ctx.get_data("shape");
            var (rows, inputs, outputs) = ((int)x.shape[0], (int)x.shape[1], (int)w.shape[0]);
            var g = gradOutput.reshape(rows, outputs).contiguous();  // (rows, out)

            Tensor? inputGrad = null, weightGrad = null, biasGrad = null;
            if ((bool)ctx.get_data("input_grad"))
            {
                inputGrad = empty(rows, inputs);                 // dX = dY W: (rows, out) x (out, in)
                if (rows > 0) OpenBlas.Sgemm(false, false, rows, inputs, outputs, Data(g), outputs, Data(w), inputs, Data(inputGrad), inputs);
            }
            if ((bool)ctx.get_data("weight_grad"))
            {
                weightGrad = empty(outputs, inputs);             // dW = dY^T X: (out, rows) x (rows, in)
                if (rows > 0) OpenBlas.Sgemm(true, false, outputs, inputs, rows, Data(g), outputs, Data(x), inputs, Data(weightGrad), inputs);
            }
            if ((bool)ctx.get_data("bias"))
                biasGrad = g.sum(0, false);          // (out); a lone 0 would bind to sum(ScalarType)
            var result = new List<Tensor> { inputGrad?.view(shape)!, weightGrad!, biasGrad! };
            returnedGradients = [.. result.Where(t => t is not null), x, w, g];
            if (inputGrad is not null) returnedGradients.Add(inputGrad);
            foreach (var t in saved) if (!ReferenceEquals(t, x) && !ReferenceEquals(t, w)) t.Dispose();
            return result;
        }

        /// <summary>Disposes the handles of forward's temporaries and TorchSharp's empty_like output copies; called after apply.</summary>
        internal static void ReleaseForwardTemporaries()
        {
            if (lastContext is { } ctx && NodeField.Value?.GetValue(ctx) is { } node && OutputCacheField.Value?.GetValue(node) is IList cache)
            {
                for (var i = 0; i < cache.Count; i++)
                {
                    (cache[i] as Tensor)?.Dispose();
                    cache[i] = null;
                }
            }
            lastContext = null;
            if (forwardTemporaries is { } temporaries)
            {
                foreach (var t in temporaries) t.Dispose();
                temporaries.Clear();
            }
        }

        static void ReleaseReturnedGradients()
        {
            if (returnedGradients is { } gradients)
            {
                foreach (var t in gradients) t.Dispose();
                returnedGradients = null;
            }
        }
    }
}
