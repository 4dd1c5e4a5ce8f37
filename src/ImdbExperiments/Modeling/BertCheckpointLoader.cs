using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Lines a checkpoint's keys up with a model's own and copies the tensors, asserting names and shapes.
/// Rules, as Hugging Face's from_pretrained applies them:
/// legacy LayerNorm "gamma"/"beta" read as "weight"/"bias"; a base model's bare keys gain the "bert." prefix
/// when loaded into the classifier, and lose it when a classifier's checkpoint is loaded into the base model;
/// a missing classifier or pooler is initialized from a seed and reported; pre-training heads ("cls.*") and
/// position_ids buffers are dropped and reported; any other missing, unexpected or wrongly-shaped key is an error,
/// all of them listed in one <see cref="CheckpointMismatchException"/>.
/// </summary>
internal static class BertCheckpointLoader
{
    private const string Prefix = "bert.";
    private const int MaxListed = 20;

    public enum Target
    {
        BaseModel,
        SequenceClassifier,
    }

    public static BertLoadReport Load(nn.Module model, IReadOnlyDictionary<string, Tensor> checkpoint, Target target,
        BertConfig config, long seed, string source)
    {
        var parameters = model.state_dict();
        var plan = Match(checkpoint.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal),
            parameters.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal), target, config, source, model.GetType().Name);

        var loaded = new List<string>();
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (key, own) in parameters)
            {
                if (!plan.CheckpointKeyOf.TryGetValue(key, out var checkpointKey))
                    continue;
                var tensor = checkpoint[checkpointKey];
                LibTorchErrors.Guard($"{source}: tensor \"{checkpointKey}\" ({tensor.dtype})", () => own.copy_(tensor));
                dtypes.Add(tensor.dtype.ToString());
                loaded.Add(key);
            }
        }

        var initialized = plan.Initializable.Count == 0
            ? []
            : BertInitialization.Apply(model, config, seed, plan.Initializable.ToHashSet(StringComparer.Ordinal).Contains);
        return new BertLoadReport(source, loaded, initialized, plan.Ignored, plan.Renamed, dtypes.ToArray(), seed);
    }

    /// <summary>How a checkpoint's keys map onto a model's: model key -> checkpoint key, heads to initialize, keys dropped or renamed.</summary>
    internal sealed record KeyPlan(
        IReadOnlyDictionary<string, string> CheckpointKeyOf,
        IReadOnlyList<string> Initializable,
        IReadOnlyList<string> Ignored,
        IReadOnlyList<KeyValuePair<string, string>> Renamed);

    /// <summary>
    /// Lines checkpoint keys up with the model's by the rules above, on shapes alone (so a folder can be checked from
    /// its safetensors header without reading a weight); throws one <see cref="CheckpointMismatchException"/> listing every problem.
    /// </summary>
    public static KeyPlan Match(IReadOnlyDictionary<string, long[]> checkpoint, IReadOnlyDictionary<string, long[]> parameters, Target target,
        BertConfig config, string source, string modelName)
    {
        var renamed = new List<KeyValuePair<string, string>>();
        var ignored = new List<string>();
        var byModelKey = new Dictionary<string, (string CheckpointKey, long[] Shape)>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        var hasPrefix = checkpoint.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));

        foreach (var (checkpointKey, shape) in checkpoint.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = RenameLegacyLayerNorm(checkpointKey);
            if (IsDroppable(key, target))
            {
                ignored.Add(checkpointKey);
                continue;
            }
            if (target == Target.SequenceClassifier && !hasPrefix && !key.StartsWith("classifier.", StringComparison.Ordinal))
                key = Prefix + key;
            else if (target == Target.BaseModel && key.StartsWith(Prefix, StringComparison.Ordinal))
                key = key[Prefix.Length..];

            if (key != checkpointKey)
                renamed.Add(new(checkpointKey, key));
            if (!byModelKey.TryAdd(key, (checkpointKey, shape)))
                duplicates.Add($"{checkpointKey} (also given as {byModelKey[key].CheckpointKey})");
        }

        var missing = parameters.Keys.Where(k => !byModelKey.ContainsKey(k)).ToList();
        var initializable = missing.Where(k => IsHead(k, target)).ToList();
        missing = missing.Except(initializable).ToList();
        var unexpected = byModelKey.Where(p => !parameters.ContainsKey(p.Key)).Select(p => p.Value.CheckpointKey).Concat(duplicates).ToList();
        var wrongShape = byModelKey
            .Where(p => parameters.TryGetValue(p.Key, out var own) && !own.SequenceEqual(p.Value.Shape))
            .Select(p => $"{p.Value.CheckpointKey}: checkpoint [{string.Join(", ", p.Value.Shape)}], model [{string.Join(", ", parameters[p.Key])}]")
            .ToList();

        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw Mismatch(source, modelName, config, missing, unexpected, wrongShape);
        return new KeyPlan(byModelKey.ToDictionary(p => p.Key, p => p.Value.CheckpointKey, StringComparer.Ordinal), initializable, ignored, renamed);
    }

    /// <summary>
    /// BertForSequenceClassification's state_dict shapes for <paramref name="config"/>, computed without building the model
    /// (a test pins them to the real module's).
    /// </summary>
    public static IReadOnlyDictionary<string, long[]> ClassifierShapes(BertConfig config)
    {
        long h = config.HiddenSize, i = config.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        void Linear(string name, long inputs, long outputs)
        {
            shapes[name + ".weight"] = [outputs, inputs];
            shapes[name + ".bias"] = [outputs];
        }
        void Norm(string name)
        {
            shapes[name + ".weight"] = [h];
            shapes[name + ".bias"] = [h];
        }
        shapes["bert.embeddings.word_embeddings.weight"] = [config.VocabSize, h];
        shapes["bert.embeddings.position_embeddings.weight"] = [config.MaxPositionEmbeddings, h];
        shapes["bert.embeddings.token_type_embeddings.weight"] = [config.TypeVocabSize, h];
        Norm("bert.embeddings.LayerNorm");
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = $"bert.encoder.layer.{layer}.";
            Linear(p + "attention.self.query", h, h);
            Linear(p + "attention.self.key", h, h);
            Linear(p + "attention.self.value", h, h);
            Linear(p + "attention.output.dense", h, h);
            Norm(p + "attention.output.LayerNorm");
            Linear(p + "intermediate.dense", h, i);
            Linear(p + "output.dense", i, h);
            Norm(p + "output.LayerNorm");
        }
        Linear("bert.pooler.dense", h, h);
        Linear("classifier", h, config.NumLabels);
        return shapes;
    }

    /// <summary>Old TensorFlow-converted checkpoints call LayerNorm's weight and bias gamma and beta.</summary>
    private static string RenameLegacyLayerNorm(string key) =>
        key.EndsWith(".gamma", StringComparison.Ordinal) ? key[..^".gamma".Length] + ".weight"
        : key.EndsWith(".beta", StringComparison.Ordinal) ? key[..^".beta".Length] + ".bias"
        : key;

    /// <summary>Checkpoint keys that belong to other heads or to non-persistent buffers.</summary>
    private static bool IsDroppable(string key, Target target) =>
        key.StartsWith("cls.", StringComparison.Ordinal)
        || key.EndsWith("position_ids", StringComparison.Ordinal)
        || (target == Target.BaseModel && key.StartsWith("classifier.", StringComparison.Ordinal));

    /// <summary>Model keys that may be absent from a checkpoint: the task head and the pooler.</summary>
    private static bool IsHead(string key, Target target) => target switch
    {
        Target.SequenceClassifier => key.StartsWith("classifier.", StringComparison.Ordinal) || key.StartsWith(Prefix + "pooler.", StringComparison.Ordinal),
        _ => key.StartsWith("pooler.", StringComparison.Ordinal),
    };

    private static CheckpointMismatchException Mismatch(string source, string modelName, BertConfig config,
        List<string> missing, List<string> unexpected, List<string> wrongShape)
    {
        var message = new StringBuilder()
            .Append($"{source}: the checkpoint does not fit {modelName} (hidden_size {config.HiddenSize}, ")
            .Append($"{config.NumHiddenLayers} layers, vocab_size {config.VocabSize}, {config.NumLabels} labels); ")
            .Append("check that config.json belongs to these weights.");
        // The exception keeps every key; the message shows the first few of each list, so a wild config cannot print megabytes.
        void List(string title, List<string> keys)
        {
            if (keys.Count > 0)
                message.Append($"\n  {title} ({keys.Count}): {string.Join(", ", keys.Take(MaxListed))}{(keys.Count > MaxListed ? $", … and {keys.Count - MaxListed} more" : "")}");
        }
        List("missing", missing);
        List("unexpected", unexpected);
        List("wrong shape", wrongShape);
        return new CheckpointMismatchException(message.ToString(), missing, unexpected, wrongShape);
    }
}
