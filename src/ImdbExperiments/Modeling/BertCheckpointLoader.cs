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

    public enum Target
    {
        BaseModel,
        SequenceClassifier,
    }

    public static BertLoadReport Load(nn.Module model, IReadOnlyDictionary<string, Tensor> checkpoint, Target target,
        BertConfig config, long seed, string source)
    {
        var renamed = new List<KeyValuePair<string, string>>();
        var ignored = new List<string>();
        var byModelKey = new Dictionary<string, (string CheckpointKey, Tensor Tensor)>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        var hasPrefix = checkpoint.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));

        foreach (var (checkpointKey, tensor) in checkpoint.OrderBy(p => p.Key, StringComparer.Ordinal))
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
            if (!byModelKey.TryAdd(key, (checkpointKey, tensor)))
                duplicates.Add($"{checkpointKey} (also given as {byModelKey[key].CheckpointKey})");
        }

        var parameters = model.state_dict();
        var missing = parameters.Keys.Where(k => !byModelKey.ContainsKey(k)).ToList();
        var initializable = missing.Where(k => IsHead(k, target)).ToList();
        missing = missing.Except(initializable).ToList();
        var unexpected = byModelKey.Where(p => !parameters.ContainsKey(p.Key)).Select(p => p.Value.CheckpointKey).Concat(duplicates).ToList();
        var wrongShape = byModelKey
            .Where(p => parameters.TryGetValue(p.Key, out var own) && !own.shape.SequenceEqual(p.Value.Tensor.shape))
            .Select(p => $"{p.Value.CheckpointKey}: checkpoint [{string.Join(", ", p.Value.Tensor.shape)}], model [{string.Join(", ", parameters[p.Key].shape)}]")
            .ToList();

        if (missing.Count + unexpected.Count + wrongShape.Count > 0)
            throw Mismatch(source, model.GetType().Name, config, missing, unexpected, wrongShape);

        var loaded = new List<string>();
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (key, own) in parameters)
            {
                if (!byModelKey.TryGetValue(key, out var entry))
                    continue;
                own.copy_(entry.Tensor);
                dtypes.Add(entry.Tensor.dtype.ToString());
                loaded.Add(key);
            }
        }

        var initialized = initializable.Count == 0
            ? []
            : BertInitialization.Apply(model, config, seed, initializable.ToHashSet(StringComparer.Ordinal).Contains);
        return new BertLoadReport(source, loaded, initialized, ignored, renamed, dtypes.ToArray(), seed);
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
        void List(string title, List<string> keys)
        {
            if (keys.Count > 0)
                message.Append($"\n  {title} ({keys.Count}): {string.Join(", ", keys)}");
        }
        List("missing", missing);
        List("unexpected", unexpected);
        List("wrong shape", wrongShape);
        return new CheckpointMismatchException(message.ToString(), missing, unexpected, wrongShape);
    }
}
