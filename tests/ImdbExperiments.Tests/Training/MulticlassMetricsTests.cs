using System.Text.Json.Nodes;
using ImdbExperiments.Runs;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

/// <summary>
/// More than two classes, against values worked by hand from scikit-learn's definitions in sklearn/metrics/_classification.py
/// (precision_recall_fscore_support: per-label tp / pred_sum, tp / true_sum, 2tp / (true_sum + pred_sum), a 0 denominator
/// giving 0 as zero_division's default does; macro = plain mean, weighted = mean weighted by true_sum, micro over summed
/// counts) and sklearn/metrics/_ranking.py (roc_auc_score(multi_class='ovr', average='macro'): each class's probability
/// against the rest, tied scores counting one half, the unweighted mean).
/// </summary>
public sealed class MulticlassMetricsTests
{
    static readonly string[] Names = ["a", "b", "c"];

    // y_true = [0, 0, 1, 1, 2, 2, 2]; argmax of each row = y_pred = [0, 1, 1, 1, 0, 0, 1]: class 2 is never predicted.
    static readonly int[] Labels = [0, 0, 1, 1, 2, 2, 2];
    static readonly int[] Predicted = [0, 1, 1, 1, 0, 0, 1];
    static readonly double[] Probabilities =
    [
        0.6, 0.3, 0.1,
        0.3, 0.5, 0.2,
        0.2, 0.7, 0.1,
        0.1, 0.6, 0.3,
        0.5, 0.2, 0.3,
        0.4, 0.3, 0.3,
        0.3, 0.4, 0.3,
    ];

    static ClassificationMetrics Compute() => ClassificationMetrics.ComputeMulticlass(Labels, Predicted, Probabilities, loss: 0.5, Names);

    [Fact]
    public void PerClass_MatchesPrecisionRecallFscoreSupport_WithZeroForTheClassNeverPredicted()
    {
        var m = Compute();

        // confusion_matrix(y_true, y_pred)
        Assert.Equal([[1L, 1L, 0L], [0L, 2L, 0L], [2L, 1L, 0L]], m.ConfusionMatrix);
        // precision_recall_fscore_support(y_true, y_pred, labels=[0, 1, 2], zero_division=0)
        Assert.Equal(new ClassMetrics("a", 1.0 / 3, 1.0 / 2, 2.0 / 5, 2), m.PerClass[0]);
        Assert.Equal(new ClassMetrics("b", 1.0 / 2, 1.0, 2.0 / 3, 2), m.PerClass[1]);
        Assert.Equal(new ClassMetrics("c", 0.0, 0.0, 0.0, 3), m.PerClass[2]);
    }

    [Fact]
    public void Averages_MatchSklearnMacroMicroAndWeighted()
    {
        var m = Compute();
        var byName = m.Averages.ToDictionary(a => a.Average);

        Assert.Equal(3.0 / 7, m.Accuracy, 15);                        // accuracy_score
        Assert.Equal(5.0 / 18, byName["macro"].Precision, 15);        // precision_score(average='macro')
        Assert.Equal(1.0 / 2, byName["macro"].Recall, 15);
        Assert.Equal(16.0 / 45, byName["macro"].F1, 15);              // f1_score(average='macro')
        Assert.Equal((3.0 / 7, 3.0 / 7, 3.0 / 7), (byName["micro"].Precision, byName["micro"].Recall, byName["micro"].F1));
        Assert.Equal(5.0 / 21, byName["weighted"].Precision, 15);     // supports 2, 2, 3
        Assert.Equal(3.0 / 7, byName["weighted"].Recall, 15);
        Assert.Equal(32.0 / 105, byName["weighted"].F1, 15);
        // The single figures of a multi-class run are the macro ones (what metric_for_best and sweep metrics rank by).
        Assert.Equal((byName["macro"].Precision, byName["macro"].Recall, byName["macro"].F1), (m.Precision, m.Recall, m.F1));
    }

    [Fact]
    public void RocAuc_IsTheOneVsRestMacroMean()
    {
        // Class a: 7.5 of 10 pairs in order (0.3 ties 0.3); b: 10 of 10; c: 10.5 of 12 (each 0.3 ties one 0.3).
        // roc_auc_score(y_true, probabilities, multi_class='ovr') == (0.75 + 1 + 0.875) / 3
        Assert.Equal((0.75 + 1.0 + 0.875) / 3, Compute().RocAuc, 15);
    }

    [Fact]
    public void RocAuc_IsNaN_WhenAClassIsAbsentFromTheLabels()
    {
        // sklearn raises "Only one class present in y_true" for the absent class's one-vs-rest column.
        var m = ClassificationMetrics.ComputeMulticlass([0, 1, 0, 1], [0, 1, 0, 2], [.. Enumerable.Repeat(1.0 / 3, 12)], 0, Names);

        Assert.True(double.IsNaN(m.RocAuc));
        Assert.Null(m.ToJson()["roc_auc"]);
    }

    [Fact]
    public void FromLogits_ThreeClasses_TakesTheArgmaxAndTheMeanCrossEntropy()
    {
        // Row 0: logits (0, ln 2, 0): p = (1/4, 1/2, 1/4), label 1, loss ln 2. Row 1: equal logits, argmax 0, label 2, loss ln 3.
        var m = ClassificationMetrics.FromLogits([1, 2], [0f, (float)Math.Log(2), 0f, 5f, 5f, 5f], Names);

        Assert.Equal([[0L, 0L, 0L], [0L, 1L, 0L], [1L, 0L, 0L]], m.ConfusionMatrix);
        Assert.Equal((Math.Log(2) + Math.Log(3)) / 2, m.Loss, 6);
    }

    [Fact]
    public void FromLogits_RejectsAClassOutsideTheLabelSet()
    {
        var e = Assert.Throws<ArgumentException>(() => ClassificationMetrics.FromLogits([3], [0f, 0f, 0f], Names));
        Assert.Contains("expected 0 to 2", e.Message);
    }

    [Fact]
    public void Json_RoundTrips_AndNamesItsAverage()
    {
        var m = Compute();
        var json = m.ToJson();

        Assert.Equal("macro", (string)json["average"]!);
        Assert.Equal(5.0 / 21, (double)json["precision_weighted"]!, 15);
        Assert.Equal("[[1,1,0],[0,2,0],[2,1,0]]", json["confusion_matrix"]!.ToJsonString());
        var back = ClassificationMetrics.FromJson(json);
        Assert.Equal(json.ToJsonString(), back.ToJson().ToJsonString());
    }

    [Fact]
    public void History_WritesTheAveragesInsteadOfConfusionCounts_AndReadsThemBack()
    {
        var record = new EvaluationRecord(4, 1.0, Compute(), ImdbExperiments.Specs.ValidationMetric.F1, true, 0, TimeSpan.FromSeconds(1));
        var entry = EvaluationEntry.From(record, 1000);

        var line = entry.ToJson();
        Assert.False(line.ContainsKey("eval_tn"));
        Assert.Equal(32.0 / 105, (double)line["eval_f1_weighted"]!, 15);
        var back = Assert.IsType<EvaluationEntry>(HistoryEntry.FromJson(line));
        Assert.Equal(entry.Figures, back.Figures);
        Assert.Equal(16.0 / 45, back.Get("validation/f1"), 15);
    }

    [Fact]
    public void MlflowKeys_NameEachClassByIdAndASafeName_NeverAPath()
    {
        var m = ClassificationMetrics.ComputeMulticlass(Labels, Predicted, Probabilities, 0.5, ["../../etc", "very good", "c/d"]);

        var keys = RunTracking.Metrics("test", m.ToJson()).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(0.0, keys["test/class_2_c_d/f1"]);
        Assert.Equal(2.0, keys["test/class_1_very_good/support"]);
        Assert.Equal(1.0 / 3, keys["test/class_0_______etc/precision"], 15);
        Assert.Equal(2.0, keys["test/confusion_2_0"]);
        Assert.Equal(16.0 / 45, keys["test/f1"], 15);
        Assert.Equal(3.0 / 7, keys["test/f1_micro"], 15);
        Assert.DoesNotContain("test/tn", keys.Keys);
        // Every key is test/<name> or test/class_<id>_<name>/<figure>: no '..' part, nothing but MLflow's key characters.
        Assert.All(keys.Keys, k => Assert.Matches(@"^test/([A-Za-z0-9_]+|class_[0-9]+_[A-Za-z0-9_-]*/[a-z0-9]+)$", k));
    }

    [Fact]
    public void TwoClasses_KeepTheBinaryKeys()
    {
        var m = ClassificationMetrics.Compute([0, 1, 1], [0, 1, 0], [0.2, 0.9, 0.4], 0.1);

        var keys = RunTracking.Metrics("test", m.ToJson()).Select(p => p.Key).ToArray();

        Assert.Equal(["test/loss", "test/accuracy", "test/precision", "test/recall", "test/f1", "test/roc_auc", "test/tn", "test/fp", "test/fn", "test/tp"], keys);
        Assert.Null(m.ToJson()["average"]);
    }
}
