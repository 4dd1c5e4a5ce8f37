using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// Hugging Face's text-classification pipeline for a fine-tuned folder: WordPiece with the folder's vocab.txt, the
/// same truncation as training, batches sorted by length and padded to their longest text, inference mode, softmax;
/// each text gets its most probable id2label name and that probability.
/// </summary>
public sealed class SentimentPredictor : IDisposable
{
    private readonly BertForSequenceClassification _model;
    private readonly int _batchSize;

    private SentimentPredictor(BertForSequenceClassification model, WordPieceEncoder encoder, int batchSize, ResolvedPrecision precision)
    {
        _model = model;
        Encoder = encoder;
        _batchSize = batchSize;
        Precision = precision;
    }

    public WordPieceEncoder Encoder { get; }

    /// <summary>The precision the model runs in, and why.</summary>
    public ResolvedPrecision Precision { get; }

    /// <summary>Class names by id (the folder's id2label).</summary>
    public IReadOnlyList<string> Labels => _model.Config.Labels;

    /// <summary>Loads a Hugging Face folder with a trained classification head (a bare encoder is refused).</summary>
    public static SentimentPredictor Load(string modelFolder, SentimentPredictorOptions? options = null)
    {
        options ??= new SentimentPredictorOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, nameof(options.BatchSize));
        using var checkpoint = HfModelFolder.Load(modelFolder);
        var (model, report) = BertForSequenceClassification.FromPretrained(checkpoint, headSeed: 0);
        try
        {
            if (report.HeadInitialized)
                throw new InvalidDataException($"{modelFolder}: the checkpoint has no trained {string.Join(", ", report.InitializedKeys)}; " +
                    "predicting needs a fine-tuned classifier (the train stage's best/ folder).");
            // What the folder's tokenizer_config.json says training used, then what the caller overrides.
            var trained = TokenizerConfigFile.Read(modelFolder, new WordPieceEncoderOptions { Lowercase = checkpoint.DoLowerCase, MaxLength = null, StripHtml = true });
            var maxLength = options.MaxLength ?? Math.Min(trained.MaxLength ?? 512, model.Config.MaxPositionEmbeddings);
            if (maxLength > model.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"Max length {maxLength} exceeds the model's max_position_embeddings ({model.Config.MaxPositionEmbeddings}).");
            var encoder = WordPieceEncoder.Load(checkpoint.VocabPath, trained with
            {
                Lowercase = options.Lowercase ?? trained.Lowercase,
                StripAccents = options.Lowercase is null ? trained.StripAccents : null,
                MaxLength = maxLength,
                Truncation = options.Truncation ?? trained.Truncation,
                HeadTokens = options.HeadTokens ?? trained.HeadTokens,
                StripHtml = options.StripHtml ?? trained.StripHtml,
            });
            var device = TrainingDevices.Resolve(options.Device);
            var precision = ResolvedPrecision.Resolve(options.Precision, device.type, CpuBf16Support.Detect());
            model.to(device);
            if (precision.Precision == TrainingPrecision.Bf16)
                model.to(ScalarType.BFloat16);
            model.eval();
            return new SentimentPredictor(model, encoder, options.BatchSize, precision);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public SentimentPrediction Predict(string text) => Predict([text])[0];

    /// <summary>Predictions in the order of <paramref name="texts"/>; <paramref name="progress"/> gets the number of texts scored.</summary>
    public IReadOnlyList<SentimentPrediction> Predict(IReadOnlyList<string> texts, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
            return [];
        var encoded = Encoder.EncodeAll(texts, cancellationToken: cancellationToken);
        var lengths = new int[encoded.Count];
        for (var i = 0; i < lengths.Length; i++)
            lengths[i] = encoded.Length(i);
        var logits = Evaluator.Run(_model, BatchPlan.EvaluationBatches(lengths, _batchSize), texts.Count, progress, cancellationToken,
            (indices, device) => TokenBatch.Create(encoded, indices, _model.Config.PadTokenId, device));

        var classes = _model.Config.NumLabels;
        var predictions = new SentimentPrediction[texts.Count];
        var probabilities = new double[classes];
        for (var i = 0; i < predictions.Length; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            var best = 0;
            for (var k = 1; k < classes; k++)
            {
                if (row[k] > row[best])
                    best = k;
            }
            var sum = 0.0;
            for (var k = 0; k < classes; k++)
                sum += probabilities[k] = Math.Exp((double)row[k] - row[best]);
            var normalized = new double[classes];
            for (var k = 0; k < classes; k++)
                normalized[k] = probabilities[k] / sum;
            predictions[i] = new SentimentPrediction(Labels[best], normalized[best], best) { Probabilities = normalized };
        }
        return predictions;
    }

    public void Dispose() => _model.Dispose();
}
