namespace ImdbExperiments.Benchmarks;

/// <summary>A BERT encoder forward that <see cref="OnnxBenchmark"/> times and compares: one engine, one set of weights.</summary>
public interface IEncoderEngine : IDisposable
{
    /// <summary>The name in tables and JSON (torchsharp, onnx, ...).</summary>
    string Name { get; }

    /// <summary>One forward pass whose result is dropped: what the clock measures.</summary>
    void Forward(EncoderBatch batch);

    /// <summary>One forward pass's last hidden state (Batch, Length, hidden), row-major: what the correctness check compares.</summary>
    float[] LastHiddenState(EncoderBatch batch);
}
