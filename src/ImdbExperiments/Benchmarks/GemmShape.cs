namespace ImdbExperiments.Benchmarks;

/// <summary>
/// One product C (m x n) = op(A) (m x k) op(B) (k x n) of a model's Linear layer, with A and B stored as autograd has
/// them (row-major): the forward X W^T (B transposed), the input gradient dY W, the weight gradient dY^T X (A transposed).
/// </summary>
/// <param name="Layers">the layers that share this product, e.g. "query/key/value/attention.output"</param>
/// <param name="Product">forward, input_grad or weight_grad</param>
public sealed record GemmShape(string Model, int Batch, int Length, string Layers, string Product, int M, int K, int N, bool TransposeA, bool TransposeB)
{
    public double Flops => 2.0 * M * K * N;

    public string Dimensions => $"{M} x {K} x {N}";

    /// <summary>The three products of every distinct Linear of a BERT classifier at batch x length (T = batch x length tokens).</summary>
    public static IEnumerable<GemmShape> OfModel(string model, Modeling.BertConfig config, int batch, int length)
    {
        var (h, i, t) = (config.HiddenSize, config.IntermediateSize, batch * length);
        (string Layers, int Rows, int In, int Out)[] linears =
        [
            ("query/key/value/attention.output", t, h, h),
            ("intermediate (FFN up)", t, h, i),
            ("output (FFN down)", t, i, h),
            ("pooler", batch, h, h),
            ("classifier", batch, h, config.NumLabels),
        ];
        foreach (var (layers, rows, inputs, outputs) in linears)
        {
            yield return new(model, batch, length, layers, "forward", rows, inputs, outputs, false, true);      // X (rows, in) W^T
            yield return new(model, batch, length, layers, "input_grad", rows, outputs, inputs, false, false);  // dY (rows, out) W (out, in)
            yield return new(model, batch, length, layers, "weight_grad", outputs, rows, inputs, true, false);  // dY^T (out, rows) X (rows, in)
        }
    }
}
