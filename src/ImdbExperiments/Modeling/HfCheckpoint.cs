using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>A Hugging Face model folder read into memory: its config, weights (on the CPU) and tokenizer settings.</summary>
public sealed class HfCheckpoint : IDisposable
{
    internal HfCheckpoint(string folder, BertConfig config, IReadOnlyDictionary<string, Tensor> weights, string weightsPath,
        string vocabPath, bool doLowerCase, int? modelMaxLength)
    {
        Folder = folder;
        Config = config;
        Weights = weights;
        WeightsPath = weightsPath;
        VocabPath = vocabPath;
        DoLowerCase = doLowerCase;
        ModelMaxLength = modelMaxLength;
    }

    public string Folder { get; }
    public BertConfig Config { get; }
    /// <summary>Tensors by checkpoint key, as stored (dtype kept).</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }
    /// <summary>model.safetensors or pytorch_model.bin, whichever was read.</summary>
    public string WeightsPath { get; }
    public string VocabPath { get; }
    /// <summary>tokenizer_config.json's do_lower_case (true when absent, BertTokenizer's default).</summary>
    public bool DoLowerCase { get; }
    /// <summary>tokenizer_config.json's model_max_length, when it is a real limit.</summary>
    public int? ModelMaxLength { get; }

    public void Dispose()
    {
        foreach (var tensor in Weights.Values)
            tensor.Dispose();
    }
}
