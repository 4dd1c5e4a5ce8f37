using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ImdbExperiments.Modeling;

// Hugging Face's BERT (transformers/models/bert/modeling_bert.py), read top to bottom: embeddings,
// self-attention, the post-LayerNorm residual blocks, the encoder, the pooler, the model.
// Every field is named as its checkpoint key, so state_dict() keys are Hugging Face's keys.
// Shapes: B batch, T tokens, H hidden_size, N heads, D = H / N, I intermediate_size.

/// <summary>word + token type + position embeddings, then LayerNorm and dropout.</summary>
internal sealed class BertEmbeddings : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly BertDropout dropout;
    private readonly int _maxPositions;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        word_embeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new BertDropout(config.HiddenDropoutProb);
        _maxPositions = config.MaxPositionEmbeddings;
        RegisterComponents();
    }

    /// <param name="inputIds">(B, T) int64</param>
    /// <param name="tokenTypeIds">(B, T) int64</param>
    /// <returns>(B, T, H)</returns>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        var length = inputIds.shape[1];
        if (length > _maxPositions)
            throw new ArgumentException($"The batch has {length} tokens per sequence but the model has max_position_embeddings = {_maxPositions}; truncate to at most {_maxPositions} tokens.");
        var positions = arange(length, dtype: int64, device: inputIds.device).unsqueeze(0);                // (1, T)
        var embeddings = word_embeddings.call(inputIds) + token_type_embeddings.call(tokenTypeIds);         // (B, T, H)
        embeddings = embeddings + position_embeddings.call(positions);                                     // (B, T, H)
        return dropout.call(LayerNorm.call(embeddings));
    }
}

/// <summary>Multi-head scaled dot-product self-attention, before the output projection.</summary>
internal sealed class BertSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly double _dropout;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        _heads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        _dropout = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H)</param>
    /// <param name="mask">(B, 1, 1, T) added to the attention scores: 0 for tokens, very negative for padding</param>
    /// <returns>(B, T, H): the heads' outputs side by side</returns>
    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var q = SplitHeads(BlasLinear.Forward(query, hidden), batch, length);   // (B, N, T, D)
        var k = SplitHeads(BlasLinear.Forward(key, hidden), batch, length);     // (B, N, T, D)
        var v = SplitHeads(BlasLinear.Forward(value, hidden), batch, length);   // (B, N, T, D)
        // softmax(q k^T / sqrt(D) + mask) v, dropout on the probabilities while training.
        Tensor context;                                                                                     // (B, N, T, D)
        if (training && _dropout > 0 && hidden.device.type == DeviceType.CPU)
        {
            // libtorch's fused kernel has no dropout on the CPU: with p > 0 it falls back to this same matmul/softmax/
            // matmul but draws its mask with the serial Bernoulli sampler, the step's single largest cost. The hashed
            // mask (DropoutMask) is about 4x cheaper: a MiniLM-L6 step at 16 x 256 takes 10-20% less time. Its backward draws
            // the mask again instead of keeping a (B, N, T, T) copy of it.
            var scores = matmul(q.mul(1.0 / Math.Sqrt(_headDim)), k.transpose(-2, -1)).add_(mask);      // (B, N, T, T)
            var probabilities = functional.softmax(scores, -1);                                              // (B, N, T, T)
            context = matmul(SeededDropout.Apply(probabilities, _dropout), v);
        }
        else
        {
            // libtorch's fused kernel: on 2 CPU threads, 5x faster than matmul/softmax/matmul at (16, 12, 256, 32), equal to 1e-6.
            context = functional.scaled_dot_product_attention(q, k, v, mask, p: training ? _dropout : 0.0);
        }
        return context.transpose(1, 2).reshape(batch, length, _heads * _headDim);                          // (B, T, H)
    }

    private Tensor SplitHeads(Tensor x, long batch, long length) =>
        x.view(batch, length, _heads, _headDim).transpose(1, 2);
}

/// <summary>Projection of the attention output, dropout, residual, LayerNorm (post-LN).</summary>
internal sealed class BertSelfOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly BertDropout dropout;

    public BertSelfOutput(BertConfig config) : base(nameof(BertSelfOutput))
    {
        dense = Linear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new BertDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H) attention output</param>
    /// <param name="residual">(B, T, H) the attention block's input</param>
    public override Tensor forward(Tensor hidden, Tensor residual) =>
        LayerNorm.call(dropout.call(BlasLinear.Forward(dense, hidden)) + residual);
}

internal sealed class BertAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly BertSelfAttention @self;
    private readonly BertSelfOutput output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        @self = new BertSelfAttention(config);
        output = new BertSelfOutput(config);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H)</param>
    /// <param name="mask">(B, 1, 1, T) additive</param>
    /// <returns>(B, T, H)</returns>
    public override Tensor forward(Tensor hidden, Tensor mask) => output.call(@self.call(hidden, mask), hidden);
}

internal sealed class BertIntermediate : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        dense = Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H)</param>
    /// <returns>(B, T, I), through the exact (erf) GELU</returns>
    public override Tensor forward(Tensor hidden) => functional.gelu(BlasLinear.Forward(dense, hidden));
}

internal sealed class BertOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly BertDropout dropout;

    public BertOutput(BertConfig config) : base(nameof(BertOutput))
    {
        dense = Linear(config.IntermediateSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new BertDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, I)</param>
    /// <param name="residual">(B, T, H) the feed-forward block's input</param>
    /// <returns>(B, T, H)</returns>
    public override Tensor forward(Tensor hidden, Tensor residual) =>
        LayerNorm.call(dropout.call(BlasLinear.Forward(dense, hidden)) + residual);
}

/// <summary>One transformer block: attention, then the feed-forward network, each with residual and LayerNorm.</summary>
internal sealed class BertLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertOutput output;

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H)</param>
    /// <param name="mask">(B, 1, 1, T) additive</param>
    /// <returns>(B, T, H)</returns>
    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, mask);                 // (B, T, H)
        return output.call(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}

internal sealed class BertEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config) : base(nameof(BertEncoder))
    {
        layer = new ModuleList<BertLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>Recompute each layer's activations in backward instead of keeping them (see <see cref="BertLayerCheckpoint"/>).</summary>
    public bool GradientCheckpointing { get; set; }

    /// <param name="hidden">(B, T, H)</param>
    /// <param name="mask">(B, 1, 1, T) additive</param>
    /// <returns>(B, T, H)</returns>
    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        // As Hugging Face: only while training and only when something upstream needs a gradient.
        var checkpoint = GradientCheckpointing && training && is_grad_enabled();
        foreach (var block in layer)
            hidden = checkpoint ? BertLayerCheckpoint.Run(block, hidden, mask) : block.call(hidden, mask);
        return hidden;
    }
}

/// <summary>tanh(dense(hidden state of the first token, [CLS])).</summary>
internal sealed class BertPooler : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="hidden">(B, T, H)</param>
    /// <returns>(B, H)</returns>
    public override Tensor forward(Tensor hidden) => tanh(BlasLinear.Forward(dense, hidden.select(1, 0)));
}

/// <summary>
/// Hugging Face's BertModel: embeddings, encoder, pooler. state_dict() keys are those of a Hugging Face
/// BertModel checkpoint ("embeddings.word_embeddings.weight", ..., "pooler.dense.bias").
/// </summary>
public sealed class BertModel : Module<Tensor, Tensor, Tensor, (Tensor LastHiddenState, Tensor PooledOutput)>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        config.Validate();
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public BertConfig Config { get; }

    /// <summary>Hugging Face's <c>gradient_checkpointing_enable()</c>: each encoder layer's activations are recomputed in
    /// backward instead of kept from forward; the same gradients, less memory, about one more forward pass of time.</summary>
    public bool GradientCheckpointing
    {
        get => encoder.GradientCheckpointing;
        set => encoder.GradientCheckpointing = value;
    }

    /// <summary>A model with Hugging Face's initialization, drawn from <paramref name="seed"/> alone.</summary>
    public static BertModel CreateRandom(BertConfig config, long seed)
    {
        var model = new BertModel(config);
        BertInitialization.Apply(model, config, seed);
        return model;
    }

    /// <param name="inputIds">(B, T) int64 token ids</param>
    /// <param name="attentionMask">(B, T) 1 for real tokens, 0 for padding (any integer, float or bool dtype)</param>
    /// <param name="tokenTypeIds">(B, T) int64 segment ids (all zeros for single sentences)</param>
    /// <returns>last hidden state (B, T, H) and pooled output (B, H)</returns>
    public override (Tensor LastHiddenState, Tensor PooledOutput) forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        var embedded = embeddings.call(inputIds, tokenTypeIds);                                             // (B, T, H)
        // Additive mask, as Hugging Face builds it: 0 for tokens, the dtype's minimum for padding. Unlike a
        // boolean mask it keeps a row with no tokens at all finite (uniform attention) instead of NaN.
        var mask = (1 - attentionMask.to_type(embedded.dtype)).mul(finfo(embedded.dtype).min)
            .view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);                                    // (B, 1, 1, T)
        var hidden = encoder.call(embedded, mask);                                                          // (B, T, H)
        var pooled = pooler.call(hidden);                                                                   // (B, H)
        return (hidden.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    /// <summary>Copies a checkpoint's tensors into this model; see <see cref="BertCheckpointLoader"/> for the rules.</summary>
    /// <param name="weights">checkpoint tensors by key, with or without the "bert." prefix</param>
    /// <param name="seed">seeds the initialization of a pooler the checkpoint lacks</param>
    /// <param name="source">the checkpoint file, for messages</param>
    public BertLoadReport LoadWeights(IReadOnlyDictionary<string, Tensor> weights, long seed, string source) =>
        BertCheckpointLoader.Load(this, weights, BertCheckpointLoader.Target.BaseModel, Config, seed, source);
}
