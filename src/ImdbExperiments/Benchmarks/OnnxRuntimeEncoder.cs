using Microsoft.ML.OnnxRuntime;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// A Hugging Face BertModel ONNX graph (inputs input_ids, attention_mask, token_type_ids; output last_hidden_state) in
/// ONNX Runtime's CPU provider: one session, sequential execution, <c>threads</c> intra-op threads.
/// </summary>
public sealed class OnnxRuntimeEncoder : IEncoderEngine
{
    public const string OutputName = "last_hidden_state";
    static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    readonly SessionOptions _options;
    readonly InferenceSession _session;
    readonly RunOptions _run = new();

    /// <param name="optimizedModelPath">where ORT writes the graph after its optimizations (to count the fused nodes); null = nowhere</param>
    public OnnxRuntimeEncoder(string name, string onnxPath, int threads, GraphOptimizationLevel level, string? optimizedModelPath = null)
    {
        Name = name;
        _options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = level,
            // Errors only: saving an ENABLE_ALL graph logs a hardware-portability warning that is no concern of a bench.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (optimizedModelPath is not null)
            _options.OptimizedModelFilePath = optimizedModelPath;
        try
        {
            _session = new InferenceSession(onnxPath, _options);
        }
        catch
        {
            _options.Dispose();
            throw;
        }
        var missing = InputNames.Where(n => !_session.InputMetadata.ContainsKey(n)).ToList();
        if (!_session.OutputMetadata.ContainsKey(OutputName))
            missing.Add(OutputName);
        if (missing.Count > 0)
        {
            Dispose();
            throw new InvalidDataException($"{onnxPath}: not a BERT encoder graph: it lacks {string.Join(", ", missing)} " +
                $"(inputs {string.Join(", ", InputNames)} and output {OutputName} are required).");
        }
    }

    public string Name { get; }

    /// <summary>ONNX Runtime's version string (e.g. 1.31.1).</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    public void Forward(EncoderBatch batch)
    {
        using var outputs = Run(batch);
    }

    public float[] LastHiddenState(EncoderBatch batch)
    {
        using var outputs = Run(batch);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    IDisposableReadOnlyCollection<OrtValue> Run(EncoderBatch batch)
    {
        long[] shape = [batch.Batch, batch.Length];
        // Views of the batch's arrays (no copy), as a server would hand ORT its request buffers.
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.Ids, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.Mask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.Types, shape);
        return _session.Run(_run, InputNames, [ids, mask, types], [OutputName]);
    }

    public void Dispose()
    {
        _session?.Dispose();
        _run.Dispose();
        _options.Dispose();
    }
}
