using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Converts a BERT that torch.onnx exported into a Hugging Face model folder. Such a graph keeps the module
/// names on embeddings, biases and LayerNorms; each Linear becomes an anonymous MatMul weight stored [in, out]
/// whose output feeds an Add with the named bias, which names the weight (transposed back to [out, in]).
/// </summary>
public static partial class OnnxBertImporter
{
    /// <summary>Reads the graph, rebuilds the checkpoint keys and config, and publishes the folder.</summary>
    /// <param name="onnxPath">the .onnx file (weights inside it)</param>
    /// <param name="vocabPath">the WordPiece vocab.txt that goes with it (CRLF line ends are converted to LF)</param>
    /// <param name="outputFolder">where the Hugging Face folder goes (replaced if it exists)</param>
    /// <param name="numAttentionHeads">used when the graph's Reshape shapes do not tell the head count</param>
    /// <param name="doLowerCase">the tokenizer's lowercasing, written to tokenizer_config.json</param>
    /// <returns>the config written to config.json</returns>
    public static BertConfig Import(string onnxPath, string vocabPath, string outputFolder, int? numAttentionHeads = null, bool doLowerCase = true)
    {
        var graph = OnnxGraph.Read(onnxPath);
        var weights = NameWeights(graph, onnxPath);
        try
        {
            var config = InferConfig(graph, weights, onnxPath, numAttentionHeads);
            var vocab = ReadVocabWithLineFeeds(vocabPath);
            var tokens = vocab.Count(b => b == (byte)'\n');
            if (tokens > config.VocabSize)
                throw new InvalidDataException($"{vocabPath}: {tokens} tokens but the model's word embeddings have {config.VocabSize} rows; this vocab does not belong to {onnxPath}.");
            HfModelFolder.Publish(outputFolder, config, weights, vocab, doLowerCase, config.MaxPositionEmbeddings);
            return config;
        }
        finally
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
    }

    /// <summary>Checkpoint key -> float32 tensor for every weight in the graph; anything left unnamed is an error.</summary>
    internal static Dictionary<string, Tensor> NameWeights(OnnxGraph graph, string path)
    {
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (name, initializer) in graph.Initializers)
        {
            if (initializer.IsFloatingPoint && IsCheckpointKey(name))
            {
                weights[name] = ToFloat32(initializer, path);
                used.Add(name);
            }
        }

        // Linear layers: MatMul(x, W[in, out]) -> Add(bias) names W after its bias; Gemm(x, W, bias) likewise.
        foreach (var node in graph.Nodes)
        {
            string? weightName = null, biasName = null;
            var transpose = true;
            if (node.OpType == "MatMul" && node.Inputs.Count == 2 && node.Outputs.Count > 0 && graph.Initializers.ContainsKey(node.Inputs[1]))
            {
                weightName = node.Inputs[1];
                biasName = graph.Nodes
                    .Where(n => n.OpType == "Add" && n.Inputs.Contains(node.Outputs[0]))
                    .SelectMany(n => n.Inputs)
                    .FirstOrDefault(i => graph.Initializers.ContainsKey(i) && i.EndsWith(".bias", StringComparison.Ordinal));
            }
            else if (node.OpType == "Gemm" && node.Inputs.Count == 3 && graph.Initializers.ContainsKey(node.Inputs[1]))
            {
                weightName = node.Inputs[1];
                biasName = node.Inputs[2];
                transpose = node.IntAttributes.GetValueOrDefault("transB") == 0;
            }
            if (weightName is null || used.Contains(weightName) || biasName is null || !biasName.EndsWith(".bias", StringComparison.Ordinal))
                continue;

            var key = biasName[..^".bias".Length] + ".weight";
            using var raw = ToFloat32(graph.Initializers[weightName], path);
            if (raw.dim() != 2)
                continue;
            weights[key] = transpose ? raw.t().contiguous() : raw.clone();
            used.Add(weightName);
        }

        // Integer shape constants, scalars (sqrt(D), mask fill, epsilon) and position_ids buffers are graph plumbing.
        var unmatched = graph.Initializers.Values
            .Where(t => !used.Contains(t.Name) && t.IsFloatingPoint && t.ElementCount > 1 && !t.Name.EndsWith("position_ids", StringComparison.Ordinal))
            .Select(t => $"{t.Name} [{string.Join(", ", t.Dims)}]")
            .ToList();
        if (unmatched.Count > 0)
        {
            foreach (var tensor in weights.Values)
                tensor.Dispose();
            throw new InvalidDataException(
                $"{path}: {unmatched.Count} weight(s) could not be matched to a BERT checkpoint key (not named, and not a MatMul/Gemm weight " +
                $"feeding an Add with a named bias): {string.Join(", ", unmatched)}. Export the model with torch.onnx from a Hugging Face BertModel " +
                "without graph optimizations (fused operators rename or merge weights).");
        }
        return weights;
    }

    private static bool IsCheckpointKey(string name) => CheckpointKey().IsMatch(name);

    [GeneratedRegex(@"^(bert\.)?(embeddings|encoder|pooler)\.[A-Za-z0-9_.]+\.(weight|bias|gamma|beta)$|^classifier\.(weight|bias)$")]
    private static partial Regex CheckpointKey();

    [GeneratedRegex(@"^(?:bert\.)?encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    private static BertConfig InferConfig(OnnxGraph graph, Dictionary<string, Tensor> weights, string path, int? numAttentionHeads)
    {
        long[] Shape(string key)
        {
            var match = weights.Keys.FirstOrDefault(k => k == key || k == "bert." + key)
                ?? throw new InvalidDataException($"{path}: no \"{key}\" weight in the graph; is this a BERT export?");
            return weights[match].shape;
        }

        // A dim or layer index past int's range cannot be a BERT's; say so rather than let a cast wrap it.
        int Size(string key, int axis)
        {
            var shape = Shape(key);
            if (shape.Length <= axis || shape[axis] is < 0 or > int.MaxValue)
                throw new InvalidDataException($"{path}: initializer \"{key}\" has shape [{string.Join(", ", shape)}]; expected a 2-D weight with sizes below {int.MaxValue}.");
            return (int)shape[axis];
        }
        var hidden = Size("embeddings.word_embeddings.weight", 1);
        var layers = 0;
        foreach (var match in weights.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success))
        {
            if (!int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= BertConfig.MaxHiddenLayers)
                throw new InvalidDataException($"{path}: weight \"{match.Value}...\" has layer index {match.Groups[1].Value}; at most {BertConfig.MaxHiddenLayers} layers are supported.");
            layers = Math.Max(layers, index + 1);
        }
        if (!graph.Nodes.Any(n => n.OpType == "Erf"))
            throw new InvalidDataException($"{path}: the graph has no Erf operator, so its activation is not the exact GELU (\"gelu\"), the only one supported.");

        var heads = InferHeads(graph, hidden);
        if (heads is not null && numAttentionHeads is not null && heads != numAttentionHeads)
            throw new InvalidDataException($"{path}: the graph's attention reshapes use {heads} heads but num_attention_heads = {numAttentionHeads} was given.");
        var headCount = heads ?? numAttentionHeads
            ?? throw new InvalidDataException($"{path}: the number of attention heads cannot be read from the graph's Reshape shapes; pass num_attention_heads.");

        var classifier = weights.Keys.FirstOrDefault(k => k == "classifier.weight");
        var config = new BertConfig
        {
            VocabSize = Size("embeddings.word_embeddings.weight", 0),
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = headCount,
            IntermediateSize = Size("encoder.layer.0.intermediate.dense.weight", 0),
            MaxPositionEmbeddings = Size("embeddings.position_embeddings.weight", 0),
            TypeVocabSize = Size("embeddings.token_type_embeddings.weight", 0),
            LayerNormEps = InferLayerNormEps(graph) ?? new BertConfig().LayerNormEps,
            Architectures = [classifier is null ? "BertModel" : "BertForSequenceClassification"],
            Labels = classifier is null ? new BertConfig().Labels : Enumerable.Range(0, LabelCount(weights[classifier], path)).Select(i => $"LABEL_{i}").ToArray(),
        };
        config.Validate(path);
        return config;
    }

    private static int LabelCount(Tensor classifier, string path) =>
        classifier.shape is [> 0 and <= BertConfig.MaxLabels, _]
            ? (int)classifier.shape[0]
            : throw new InvalidDataException($"{path}: initializer \"classifier.weight\" has shape [{string.Join(", ", classifier.shape)}]; expected [num_labels, hidden] with num_labels in [1, {BertConfig.MaxLabels}].");

    /// <summary>Attention splits heads with Reshape(x, [B, T, N, D]); N * D = H picks those reshapes out.</summary>
    internal static int? InferHeads(OnnxGraph graph, int hidden)
    {
        var candidates = new HashSet<long>();
        foreach (var reshape in graph.Nodes.Where(n => n.OpType == "Reshape" && n.Inputs.Count == 2))
        {
            long?[] shape;
            if (graph.Constant(reshape.Inputs[1])?.AsInt64s() is { } constant)
                shape = constant.Select(v => (long?)v).ToArray();
            else if (graph.Nodes.FirstOrDefault(n => n.OpType == "Concat" && n.Outputs.Contains(reshape.Inputs[1])) is { } concat)
                shape = concat.Inputs.Select(i => graph.Constant(i)?.AsInt64s() is [var v] ? v : (long?)null).ToArray();
            else
                continue;
            if (shape is [_, _, { } n, { } d] && n > 0 && n <= hidden && d > 0 && d <= hidden && n * d == hidden)
                candidates.Add(n);
        }
        return candidates.Count == 1 ? (int)candidates.Single() : null;
    }

    /// <summary>LayerNorm exported as ops: Sqrt(ReduceMean(...) + eps); the constant added to a ReduceMean is eps.</summary>
    private static double? InferLayerNormEps(OnnxGraph graph)
    {
        var means = graph.Nodes.Where(n => n.OpType == "ReduceMean").SelectMany(n => n.Outputs).ToHashSet(StringComparer.Ordinal);
        var values = graph.Nodes
            .Where(n => n.OpType == "Add" && n.Inputs.Any(means.Contains))
            .SelectMany(n => n.Inputs.Where(i => !means.Contains(i)))
            .Select(i => graph.Constant(i)?.AsScalar())
            .OfType<double>()
            .Distinct()
            .ToList();
        // The float32 constant widened to double (9.9999999600419720e-13); its shortest float spelling is the config value.
        return values.Count == 1 ? double.Parse(((float)values[0]).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null;
    }

    private static Tensor ToFloat32(OnnxTensor source, string path)
    {
        var dtype = source.DataType switch
        {
            OnnxTensor.Float => ScalarType.Float32,
            OnnxTensor.Float16 => ScalarType.Float16,
            OnnxTensor.BFloat16 => ScalarType.BFloat16,
            OnnxTensor.Double => ScalarType.Float64,
            _ => throw new InvalidDataException($"{path}: initializer \"{source.Name}\" has ONNX data type {source.DataType}; weights must be float, float16, bfloat16 or double."),
        };
        // Sizes from the file, in checked arithmetic, before libtorch allocates anything: the bytes bound the allocation.
        var elementSize = dtype switch { ScalarType.Float64 => 8, ScalarType.Float32 => 4, _ => 2 };
        var count = source.ElementCount;
        if (count < 0 || source.Dims.Length > 8 || count > source.Data.Length / elementSize || count * elementSize != source.Data.Length)
            throw new InvalidDataException($"{path}: initializer \"{source.Name}\" [{string.Join(", ", source.Dims)}] of {dtype} does not match its {source.Data.Length} bytes of data.");
        using var raw = LibTorchErrors.Guard($"{path}: initializer \"{source.Name}\"", () => empty(source.Dims, dtype));
        var bytes = raw.NumberOfElements * raw.ElementSize;
        if (bytes > 0)
            source.Data.CopyTo(raw.bytes);
        return raw.to_type(ScalarType.Float32, copy: true);
    }

    private static byte[] ReadVocabWithLineFeeds(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (!text.EndsWith('\n'))
            text += "\n";
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
    }
}
