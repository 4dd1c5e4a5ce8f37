using System.Text.Json.Nodes;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Training;

/// <summary>
/// Classification figures with scikit-learn's semantics. Two classes: average='binary', class 1 is the positive class, a
/// ratio whose denominator is 0 is 0 (zero_division=0), F1 = 2tp / (2tp + fp + fn). ROC-AUC is the rank statistic
/// (Mann-Whitney U, tied scores count one half), equal to roc_auc_score; it is NaN when only one class is present,
/// where scikit-learn raises. More than two classes: precision_recall_fscore_support(labels=range(N), zero_division=0),
/// with <see cref="Precision"/>, <see cref="Recall"/>, <see cref="F1"/> the macro averages and micro / weighted in
/// <see cref="Averages"/>; <see cref="RocAuc"/> is roc_auc_score(multi_class='ovr', average='macro') over the softmax
/// probabilities, NaN when a class is absent from the labels (scikit-learn raises). Loss is the mean cross-entropy in nats.
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
    /// <summary>scikit-learn's confusion_matrix layout: rows are true labels, columns predictions; two classes: [[tn, fp], [fn, tp]].</summary>
    public required long[][] ConfusionMatrix { get; init; }
    /// <summary>By class id (class 0 then class 1 for two).</summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }
    /// <summary>More than two classes: macro, micro and weighted averages; empty for two (average='binary').</summary>
    public IReadOnlyList<AveragedMetrics> Averages { get; init; } = [];

    /// <summary>Two classes: the binary figures of class 1; more: macro averages.</summary>
    public bool IsBinary => PerClass.Count == 2;

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
            ConfusionMatrix = [[tn, fp], [fn, tp]],
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
        if (classNames is { Count: > 2 })
            return FromMulticlassLogits(labels, logits, classNames);
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

    /// <summary>
    /// Figures of N &gt; 2 classes from their probabilities (row-major, N per example): scikit-learn's
    /// precision_recall_fscore_support(labels=range(N), zero_division=0) per class and averaged, and
    /// roc_auc_score(multi_class='ovr', average='macro').
    /// </summary>
    public static ClassificationMetrics ComputeMulticlass(ReadOnlySpan<int> labels, ReadOnlySpan<int> predicted, ReadOnlySpan<double> probabilities,
        double loss, IReadOnlyList<string> classNames)
    {
        var k = classNames.Count;
        if (k < 3)
            throw new ArgumentException($"Multi-class metrics need three or more class names; got {k}.", nameof(classNames));
        if (predicted.Length != labels.Length || probabilities.Length != (long)labels.Length * k)
            throw new ArgumentException($"{labels.Length} labels, {predicted.Length} predictions and {probabilities.Length} probabilities; expected {k} probabilities per label.");
        var matrix = new long[k][];
        for (var c = 0; c < k; c++)
            matrix[c] = new long[k];
        for (var i = 0; i < labels.Length; i++)
            matrix[CheckClass(labels[i], k, "label", i)][CheckClass(predicted[i], k, "prediction", i)]++;

        var count = (long)labels.Length;
        long correct = 0;
        var perClass = new ClassMetrics[k];
        for (var c = 0; c < k; c++)
        {
            long tp = matrix[c][c], trueSum = 0, predSum = 0;
            for (var j = 0; j < k; j++)
            {
                trueSum += matrix[c][j];
                predSum += matrix[j][c];
            }
            correct += tp;
            perClass[c] = new ClassMetrics(classNames[c], Divide(tp, predSum), Divide(tp, trueSum), Divide(2 * tp, trueSum + predSum), trueSum);
        }
        var accuracy = Divide(correct, count);
        var macro = new AveragedMetrics("macro", perClass.Average(c => c.Precision), perClass.Average(c => c.Recall), perClass.Average(c => c.F1));
        // Summed over all classes, every wrong example is one fp and one fn: micro precision = recall = F1 = accuracy.
        var micro = new AveragedMetrics("micro", accuracy, accuracy, accuracy);
        double Weighted(Func<ClassMetrics, double> figure) => count == 0 ? 0.0 : perClass.Sum(c => figure(c) * c.Support) / count;
        var weighted = new AveragedMetrics("weighted", Weighted(c => c.Precision), Weighted(c => c.Recall), Weighted(c => c.F1));

        // One-vs-rest: class c's probability ranks class c against the rest; the unweighted mean over classes.
        var indicator = new int[labels.Length];
        var scores = new double[labels.Length];
        var aucSum = 0.0;
        for (var c = 0; c < k; c++)
        {
            for (var i = 0; i < labels.Length; i++)
            {
                indicator[i] = labels[i] == c ? 1 : 0;
                scores[i] = probabilities[i * k + c];
            }
            aucSum += RocAucOf(indicator, scores);
        }

        return new ClassificationMetrics
        {
            Count = count,
            Loss = loss,
            Accuracy = accuracy,
            Precision = macro.Precision,
            Recall = macro.Recall,
            F1 = macro.F1,
            RocAuc = aucSum / k,
            ConfusionMatrix = matrix,
            PerClass = perClass,
            Averages = [macro, micro, weighted],
        };
    }

    /// <summary>N &gt; 2 logits per example: prediction = argmax (a tie goes to the lower class), probabilities = softmax, loss = mean cross-entropy.</summary>
    private static ClassificationMetrics FromMulticlassLogits(ReadOnlySpan<int> labels, ReadOnlySpan<float> logits, IReadOnlyList<string> classNames)
    {
        var k = classNames.Count;
        if (logits.Length != (long)k * labels.Length)
            throw new ArgumentException($"{labels.Length} labels need {(long)k * labels.Length} logits ({k} per example); got {logits.Length}.");
        var predicted = new int[labels.Length];
        var probabilities = new double[logits.Length];
        var lossSum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = logits.Slice(i * k, k);
            var best = predicted[i] = Softmax(row, probabilities.AsSpan(i * k, k));
            // log-sum-exp - logit[label], as the binary CrossEntropy: stable where a probability underflows to 0.
            var sum = 0.0;
            foreach (var logit in row)
                sum += Math.Exp((double)logit - row[best]);
            lossSum += row[best] + Math.Log(sum) - row[CheckClass(labels[i], k, "label", i)];
        }
        return ComputeMulticlass(labels, predicted, probabilities, labels.Length == 0 ? double.NaN : lossSum / labels.Length, classNames);
    }

    /// <summary>Writes softmax(<paramref name="logits"/>) in double precision into <paramref name="probabilities"/>; returns the argmax (first of a tie, as torch.argmax).</summary>
    public static int Softmax(ReadOnlySpan<float> logits, Span<double> probabilities)
    {
        var best = 0;
        for (var c = 1; c < logits.Length; c++)
        {
            if (logits[c] > logits[best])
                best = c;
        }
        var sum = 0.0;
        for (var c = 0; c < logits.Length; c++)
            sum += probabilities[c] = Math.Exp((double)logits[c] - logits[best]);
        for (var c = 0; c < logits.Length; c++)
            probabilities[c] /= sum;
        return best;
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
    /// "per_class": {name: {"precision", "recall", "f1", "support"}}}; NaN is written as null. More than two classes add
    /// "average": "macro" (what precision, recall and f1 are), "precision_micro" ... "f1_weighted" after roc_auc, and an N x N matrix.
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
        var json = new JsonObject { ["count"] = Count };
        foreach (var (name, value) in Summary())
            json[name] = Number(value);
        if (!IsBinary)
            json["average"] = "macro";
        json["confusion_matrix"] = new JsonArray([.. ConfusionMatrix.Select(row => (JsonNode)new JsonArray([.. row.Select(n => (JsonNode)n)]))]);
        json["per_class"] = perClass;
        return json;
    }

    /// <summary>The summary figures by their history.jsonl names, in a fixed order; more than two classes add the micro and weighted averages.</summary>
    public IEnumerable<(string Name, double Value)> Summary()
    {
        (string, double)[] summary = [("loss", Loss), ("accuracy", Accuracy), ("precision", Precision), ("recall", Recall), ("f1", F1), ("roc_auc", RocAuc)];
        return summary.Concat(Averages.Where(a => a.Average != "macro").SelectMany(a => new[]
        {
            ("precision_" + a.Average, a.Precision), ("recall_" + a.Average, a.Recall), ("f1_" + a.Average, a.F1),
        }));
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote (null numbers become NaN).</summary>
    internal static ClassificationMetrics FromJson(JsonObject json)
    {
        static double D(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();
        var matrix = json["confusion_matrix"]!.AsArray().Select(row => row!.AsArray().Select(n => n!.GetValue<long>()).ToArray()).ToArray();
        var perClass = json["per_class"]!.AsObject()
            .Select(p => new ClassMetrics(p.Key, D(p.Value!["precision"]), D(p.Value!["recall"]), D(p.Value!["f1"]), p.Value!["support"]!.GetValue<long>()))
            .ToArray();
        IReadOnlyList<AveragedMetrics> averages = perClass.Length == 2 ? [] :
        [
            new("macro", D(json["precision"]), D(json["recall"]), D(json["f1"])),
            .. new[] { "micro", "weighted" }.Select(a => new AveragedMetrics(a, D(json["precision_" + a]), D(json["recall_" + a]), D(json["f1_" + a]))),
        ];
        return new ClassificationMetrics
        {
            Count = json["count"]!.GetValue<long>(),
            Loss = D(json["loss"]),
            Accuracy = D(json["accuracy"]),
            Precision = D(json["precision"]),
            Recall = D(json["recall"]),
            F1 = D(json["f1"]),
            RocAuc = D(json["roc_auc"]),
            ConfusionMatrix = matrix,
            PerClass = perClass,
            Averages = averages,
        };
    }

    internal static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    private static double Divide(long numerator, long denominator) => denominator == 0 ? 0.0 : (double)numerator / denominator;

    private static int CheckClass(int value, string what, int index) => value is 0 or 1
        ? value
        : throw new ArgumentException($"Example {index}: {what} {value} is not a binary class; expected 0 (negative) or 1 (positive).");

    private static int CheckClass(int value, int classes, string what, int index) => value >= 0 && value < classes
        ? value
        : throw new ArgumentException($"Example {index}: {what} {value} is not a class; expected 0 to {classes - 1}.");

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
