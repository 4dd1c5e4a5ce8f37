using System.Text.Json.Nodes;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Training;

/// <summary>
/// Binary classification figures with scikit-learn's semantics: class 1 is the positive class, a ratio whose
/// denominator is 0 is 0 (zero_division=0), F1 = 2tp / (2tp + fp + fn). ROC-AUC is the rank statistic
/// (Mann-Whitney U, tied scores count one half), equal to roc_auc_score; it is NaN when only one class is present,
/// where scikit-learn raises. Loss is the mean cross-entropy in nats.
/// </summary>
public sealed record ClassificationMetrics
{
    public required long Count { get; init; }
    public required double Loss { get; init; }
    public required double Accuracy { get; init; }
    public required double Precision { get; init; }
    public required double Recall { get; init; }
    public required double F1 { get; init; }
    /// <summary>NaN when the labels hold a single class.</summary>
    public required double RocAuc { get; init; }
    public required long TrueNegatives { get; init; }
    public required long FalsePositives { get; init; }
    public required long FalseNegatives { get; init; }
    public required long TruePositives { get; init; }
    /// <summary>Class 0 then class 1.</summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>scikit-learn's confusion_matrix layout: rows are true labels, columns predictions: [[tn, fp], [fn, tp]].</summary>
    public long[][] ConfusionMatrix => [[TrueNegatives, FalsePositives], [FalseNegatives, TruePositives]];

    /// <summary>The two class names used when none are given.</summary>
    public static readonly IReadOnlyList<string> DefaultClassNames = ["NEGATIVE", "POSITIVE"];

    /// <param name="labels">true labels, 0 or 1</param>
    /// <param name="predicted">predicted labels, 0 or 1</param>
    /// <param name="positiveScores">scores ranking examples as positive (e.g. the probability of class 1), for ROC-AUC</param>
    /// <param name="loss">mean cross-entropy, computed by the caller</param>
    /// <param name="classNames">names of class 0 and class 1</param>
    public static ClassificationMetrics Compute(ReadOnlySpan<int> labels, ReadOnlySpan<int> predicted, ReadOnlySpan<double> positiveScores,
        double loss, IReadOnlyList<string>? classNames = null)
    {
        if (predicted.Length != labels.Length || positiveScores.Length != labels.Length)
            throw new ArgumentException($"{labels.Length} labels, {predicted.Length} predictions and {positiveScores.Length} scores; all three must match.");
        classNames ??= DefaultClassNames;
        if (classNames.Count != 2)
            throw new ArgumentException($"Binary metrics need two class names; got {classNames.Count} ({string.Join(", ", classNames)}).", nameof(classNames));

        long tn = 0, fp = 0, fn = 0, tp = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            switch ((CheckClass(labels[i], "label", i), CheckClass(predicted[i], "prediction", i)))
            {
                case (0, 0): tn++; break;
                case (0, 1): fp++; break;
                case (1, 0): fn++; break;
                default: tp++; break;
            }
        }

        var count = (long)labels.Length;
        return new ClassificationMetrics
        {
            Count = count,
            Loss = loss,
            Accuracy = Divide(tp + tn, count),
            Precision = Divide(tp, tp + fp),
            Recall = Divide(tp, tp + fn),
            F1 = Divide(2 * tp, 2 * tp + fp + fn),
            RocAuc = RocAucOf(labels, positiveScores),
            TrueNegatives = tn,
            FalsePositives = fp,
            FalseNegatives = fn,
            TruePositives = tp,
            PerClass =
            [
                new ClassMetrics(classNames[0], Divide(tn, tn + fn), Divide(tn, tn + fp), Divide(2 * tn, 2 * tn + fn + fp), tn + fp),
                new ClassMetrics(classNames[1], Divide(tp, tp + fp), Divide(tp, tp + fn), Divide(2 * tp, 2 * tp + fp + fn), tp + fn),
            ],
        };
    }

    /// <summary>
    /// Figures from two-class logits, row by row (logits[2i], logits[2i+1]), in double precision: prediction = argmax
    /// (a tie goes to class 0, as torch.argmax), score = softmax probability of class 1, loss = mean cross-entropy.
    /// </summary>
    public static ClassificationMetrics FromLogits(ReadOnlySpan<int> labels, ReadOnlySpan<float> logits, IReadOnlyList<string>? classNames = null)
    {
        if (logits.Length != 2 * labels.Length)
            throw new ArgumentException($"{labels.Length} labels need {2 * labels.Length} logits (two per example); got {logits.Length}.");
        var predicted = new int[labels.Length];
        var scores = new double[labels.Length];
        var lossSum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var (l0, l1) = ((double)logits[2 * i], (double)logits[2 * i + 1]);
            predicted[i] = PredictedClass(l0, l1);
            scores[i] = PositiveProbability(l0, l1);
            lossSum += CrossEntropy(l0, l1, CheckClass(labels[i], "label", i));
        }
        return Compute(labels, predicted, scores, labels.Length == 0 ? double.NaN : lossSum / labels.Length, classNames);
    }

    /// <summary>argmax of two logits; a tie gives 0.</summary>
    public static int PredictedClass(double logit0, double logit1) => logit1 > logit0 ? 1 : 0;

    /// <summary>softmax probability of class 1: 1 / (1 + e^(l0 - l1)).</summary>
    public static double PositiveProbability(double logit0, double logit1) => 1.0 / (1.0 + Math.Exp(logit0 - logit1));

    /// <summary>-log softmax(logits)[label], computed stably.</summary>
    public static double CrossEntropy(double logit0, double logit1, int label)
    {
        var max = Math.Max(logit0, logit1);
        var logSumExp = max + Math.Log(Math.Exp(logit0 - max) + Math.Exp(logit1 - max));
        return logSumExp - (label == 1 ? logit1 : logit0);
    }

    /// <summary>The figure a spec's metric_for_best names.</summary>
    public double Get(ValidationMetric metric) => metric switch
    {
        ValidationMetric.Accuracy => Accuracy,
        ValidationMetric.Precision => Precision,
        ValidationMetric.Recall => Recall,
        ValidationMetric.F1 => F1,
        ValidationMetric.RocAuc => RocAuc,
        ValidationMetric.Loss => Loss,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown validation metric"),
    };

    /// <summary>Whether <paramref name="candidate"/> strictly improves on <paramref name="best"/>: lower loss, higher anything else. NaN never improves.</summary>
    public static bool IsImprovement(ValidationMetric metric, double candidate, double best) =>
        metric == ValidationMetric.Loss ? candidate < best : candidate > best;

    /// <summary>The name a metric has in history.jsonl and metrics.json ("loss", "accuracy", ..., "roc_auc").</summary>
    public static string NameOf(ValidationMetric metric) => metric switch
    {
        ValidationMetric.RocAuc => "roc_auc",
        _ => metric.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// {"count", "loss", "accuracy", "precision", "recall", "f1", "roc_auc", "confusion_matrix": [[tn, fp], [fn, tp]],
    /// "per_class": {name: {"precision", "recall", "f1", "support"}}}; NaN is written as null.
    /// </summary>
    public JsonObject ToJson()
    {
        var perClass = new JsonObject();
        foreach (var c in PerClass)
        {
            perClass[c.Label] = new JsonObject
            {
                ["precision"] = Number(c.Precision),
                ["recall"] = Number(c.Recall),
                ["f1"] = Number(c.F1),
                ["support"] = c.Support,
            };
        }
        return new JsonObject
        {
            ["count"] = Count,
            ["loss"] = Number(Loss),
            ["accuracy"] = Number(Accuracy),
            ["precision"] = Number(Precision),
            ["recall"] = Number(Recall),
            ["f1"] = Number(F1),
            ["roc_auc"] = Number(RocAuc),
            ["confusion_matrix"] = new JsonArray(new JsonArray(TrueNegatives, FalsePositives), new JsonArray(FalseNegatives, TruePositives)),
            ["per_class"] = perClass,
        };
    }

    /// <summary>The summary figures by their history.jsonl names, in a fixed order.</summary>
    public IEnumerable<(string Name, double Value)> Summary() =>
    [
        ("loss", Loss), ("accuracy", Accuracy), ("precision", Precision), ("recall", Recall), ("f1", F1), ("roc_auc", RocAuc),
    ];

    /// <summary>Reads what <see cref="ToJson"/> wrote (null numbers become NaN).</summary>
    internal static ClassificationMetrics FromJson(JsonObject json)
    {
        static double D(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();
        var matrix = json["confusion_matrix"]!.AsArray();
        var perClass = json["per_class"]!.AsObject()
            .Select(p => new ClassMetrics(p.Key, D(p.Value!["precision"]), D(p.Value!["recall"]), D(p.Value!["f1"]), p.Value!["support"]!.GetValue<long>()))
            .ToArray();
        return new ClassificationMetrics
        {
            Count = json["count"]!.GetValue<long>(),
            Loss = D(json["loss"]),
            Accuracy = D(json["accuracy"]),
            Precision = D(json["precision"]),
            Recall = D(json["recall"]),
            F1 = D(json["f1"]),
            RocAuc = D(json["roc_auc"]),
            TrueNegatives = matrix[0]![0]!.GetValue<long>(),
            FalsePositives = matrix[0]![1]!.GetValue<long>(),
            FalseNegatives = matrix[1]![0]!.GetValue<long>(),
            TruePositives = matrix[1]![1]!.GetValue<long>(),
            PerClass = perClass,
        };
    }

    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static double Divide(long numerator, long denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;

    private static int CheckClass(int value, string what, int index) => value is 0 or 1
        ? value
        : throw new ArgumentException($"Example {index}: {what} {value} is not a binary class; expected 0 (negative) or 1 (positive).");

    /// <summary>(sum of the positives' average ranks - P(P+1)/2) / (P N): the probability that a random positive outranks a random negative.</summary>
    private static double RocAucOf(ReadOnlySpan<int> labels, ReadOnlySpan<double> scores)
    {
        long positives = 0;
        foreach (var label in labels)
            positives += label;
        long negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
            return double.NaN;

        var order = new int[labels.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        var keys = scores.ToArray();
        for (var i = 0; i < keys.Length; i++)
        {
            if (double.IsNaN(keys[i]))
                throw new ArgumentException($"Example {i}: score is NaN; ROC-AUC needs comparable scores.");
        }
        Array.Sort(keys, order);

        var positiveRankSum = 0.0;
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start])
                end++;
            // Ranks start+1 .. end share their mean.
            var meanRank = (start + 1 + end) / 2.0;
            for (var k = start; k < end; k++)
            {
                if (labels[order[k]] == 1)
                    positiveRankSum += meanRank;
            }
            start = end;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }
}
