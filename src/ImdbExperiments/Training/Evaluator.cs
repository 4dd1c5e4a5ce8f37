using ImdbExperiments.Modeling;
using ImdbExperiments.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>Runs a classifier over a token file: batches sorted by length, no dropout, no autograd; results in file order.</summary>
public static class Evaluator
{
    /// <summary>
    /// Scores every example of <paramref name="file"/> and computes the metrics. Runs on the model's device and dtype;
    /// metrics are computed from the logits in double precision (<see cref="ClassificationMetrics.FromLogits"/>).
    /// </summary>
    /// <param name="classNames">names of the classes by id for the per-class figures; null = the model config's id2label</param>
    /// <param name="progress">examples scored so far</param>
    public static EvaluationResult Evaluate(BertForSequenceClassification model, TokenFile file, int batchSize,
        IReadOnlyList<string>? classNames = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        RequireLabels(model);
        classNames ??= model.Config.Labels;
        if (classNames.Count != model.Config.NumLabels)
            throw new ArgumentException($"{classNames.Count} class names for a model of {model.Config.NumLabels} labels.", nameof(classNames));
        var logits = PredictLogits(model, file, batchSize, progress, cancellationToken);
        var k = model.Config.NumLabels;
        var labels = new int[file.Count];
        var predictions = new ExamplePrediction[file.Count];
        for (var i = 0; i < file.Count; i++)
        {
            labels[i] = file.Label(i);
            if (k == 2)
            {
                var (l0, l1) = ((double)logits[2 * i], (double)logits[2 * i + 1]);
                predictions[i] = new ExamplePrediction(file.ExampleId(i), labels[i], ClassificationMetrics.PredictedClass(l0, l1),
                    ClassificationMetrics.PositiveProbability(l0, l1));
            }
            else
            {
                var probabilities = new double[k];
                var predicted = ClassificationMetrics.Softmax(logits.AsSpan(i * k, k), probabilities);
                predictions[i] = new ExamplePrediction(file.ExampleId(i), labels[i], predicted, probabilities[predicted]) { Probabilities = probabilities };
            }
        }
        var metrics = ClassificationMetrics.FromLogits(labels, logits, classNames);
        return new EvaluationResult(predictions, metrics);
    }

    /// <summary>The logits of every example, row-major (example i's are at [i x labels, (i + 1) x labels)), as float32.</summary>
    public static float[] PredictLogits(BertForSequenceClassification model, TokenFile file, int batchSize,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        if (file.LongestExample > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"Token file '{file.Path}' has an example of {file.LongestExample} tokens but the model takes at most " +
                $"{model.Config.MaxPositionEmbeddings} (max_position_embeddings); tokenize with a smaller max_length.");
        var lengths = new int[file.Count];
        for (var i = 0; i < lengths.Length; i++)
            lengths[i] = file.Length(i);
        return Run(model, BatchPlan.EvaluationBatches(lengths, batchSize), file.Count, progress, cancellationToken,
            (indices, device) => TokenBatch.Create(file, indices, model.Config.PadTokenId, device));
    }

    /// <summary>Forward passes over <paramref name="batches"/> under inference mode with dropout off; logits scattered back to example order.</summary>
    internal static float[] Run(BertForSequenceClassification model, IReadOnlyList<int[]> batches, int count, IProgress<int>? progress,
        CancellationToken cancellationToken, Func<int[], Device, TokenBatch> collate)
    {
        var device = TrainingDevices.DeviceOf(model);
        var labels = model.Config.NumLabels;
        var logits = new float[count * labels];
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = inference_mode();
            var done = 0;
            foreach (var indices in batches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var batch = collate(indices, device);
                var output = model.call(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).to(ScalarType.Float32).cpu(); // (B, labels)
                var values = output.data<float>().ToArray();
                for (var row = 0; row < indices.Length; row++)
                {
                    for (var k = 0; k < labels; k++)
                        logits[indices[row] * labels + k] = values[row * labels + k];
                }
                done += indices.Length;
                progress?.Report(done);
            }
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
        return logits;
    }

    /// <summary>A head of one class has nothing to tell apart: metrics need two or more.</summary>
    internal static void RequireLabels(BertForSequenceClassification model)
    {
        if (model.Config.NumLabels < 2)
            throw new NotSupportedException($"The model has {model.Config.NumLabels} label ({string.Join(", ", model.Config.Labels)}); " +
                "training, evaluation and metrics need two or more classes.");
    }
}
