using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Hugging Face's BertForSequenceClassification: BERT, dropout on the pooled [CLS] state, a linear classifier.
/// state_dict() keys: "bert.embeddings.word_embeddings.weight", ..., "bert.pooler.dense.bias",
/// "classifier.weight", "classifier.bias".
/// </summary>
public sealed class BertForSequenceClassification : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertModel bert;
    private readonly BertDropout dropout;
    private readonly Linear classifier;

    public BertForSequenceClassification(BertConfig config) : base(nameof(BertForSequenceClassification))
    {
        config.Validate();
        Config = config;
        bert = new BertModel(config);
        dropout = new BertDropout(config.EffectiveClassifierDropout);
        classifier = Linear(config.HiddenSize, config.NumLabels);
        RegisterComponents();
    }

    public BertConfig Config { get; }

    /// <summary>The encoder, for callers that want hidden states.</summary>
    public BertModel Bert => bert;

    /// <summary>See <see cref="BertModel.GradientCheckpointing"/>.</summary>
    public bool GradientCheckpointing
    {
        get => bert.GradientCheckpointing;
        set => bert.GradientCheckpointing = value;
    }

    /// <summary>A model with Hugging Face's initialization (normal(0, initializer_range) weights, zero biases,
    /// LayerNorm 1/0, zero padding embedding), drawn from <paramref name="seed"/> alone.</summary>
    public static BertForSequenceClassification CreateRandom(BertConfig config, long seed)
    {
        var model = new BertForSequenceClassification(config);
        BertInitialization.Apply(model, config, seed);
        return model;
    }

    /// <summary>
    /// Builds the classifier from a loaded Hugging Face folder. A base-model checkpoint (no classifier head)
    /// gets a head drawn from <paramref name="headSeed"/>, and the report says so.
    /// </summary>
    /// <param name="labels">class names; null keeps the checkpoint config's id2label</param>
    public static (BertForSequenceClassification Model, BertLoadReport Report) FromPretrained(
        HfCheckpoint checkpoint, long headSeed, IReadOnlyList<string>? labels = null)
    {
        var config = labels is null ? checkpoint.Config : checkpoint.Config with { Labels = labels.ToArray() };
        var model = LibTorchErrors.Guard($"{Path.Combine(checkpoint.Folder, BertConfig.FileName)}: a model of {config.ParameterCount()} parameters",
            () => new BertForSequenceClassification(config));
        try
        {
            var report = model.LoadWeights(checkpoint.Weights, headSeed, checkpoint.WeightsPath);
            return (model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <param name="inputIds">(B, T) int64 token ids</param>
    /// <param name="attentionMask">(B, T) 1 for real tokens, 0 for padding</param>
    /// <param name="tokenTypeIds">(B, T) int64 segment ids (all zeros for single sentences)</param>
    /// <returns>logits (B, num_labels)</returns>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = bert.call(inputIds, attentionMask, tokenTypeIds);   // (B, H)
        return BlasLinear.Forward(classifier, dropout.call(pooled)).MoveToOuterDisposeScope(); // (B, num_labels)
    }

    /// <summary>forward with all-zero token type ids (single-sentence input).</summary>
    public Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var tokenTypeIds = zeros_like(inputIds, dtype: ScalarType.Int64);
        return call(inputIds, attentionMask, tokenTypeIds);
    }

    /// <summary>Copies a checkpoint's tensors into this model; see <see cref="BertCheckpointLoader"/> for the rules.</summary>
    /// <param name="weights">checkpoint tensors by key ("bert."-prefixed or a base model's bare keys)</param>
    /// <param name="headSeed">seeds the initialization of a head (classifier, pooler) the checkpoint lacks</param>
    /// <param name="source">the checkpoint file, for messages</param>
    public BertLoadReport LoadWeights(IReadOnlyDictionary<string, Tensor> weights, long headSeed, string source) =>
        BertCheckpointLoader.Load(this, weights, BertCheckpointLoader.Target.SequenceClassifier, Config, headSeed, source);
}
