using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

public sealed class ClassificationMetricsTests
{
    private static ClassificationMetrics Compute(int[] labels, int[] predicted, double[]? scores = null) =>
        ClassificationMetrics.Compute(labels, predicted, scores ?? predicted.Select(p => (double)p).ToArray(), loss: 0.25);

    [Fact]
    public void Compute_CountsTheConfusionMatrixAndItsRatios()
    {
        // tp: 0, 4; fn: 1; tn: 2, 5; fp: 3.
        var m = Compute([1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0]);

        Assert.Equal([[2L, 1L], [1L, 2L]], m.ConfusionMatrix);
        Assert.Equal(6, m.Count);
        Assert.Equal(4.0 / 6, m.Accuracy, 15);
        Assert.Equal(2.0 / 3, m.Precision, 15);
        Assert.Equal(2.0 / 3, m.Recall, 15);
        Assert.Equal(2.0 / 3, m.F1, 15);
        Assert.Equal(0.25, m.Loss);
    }

    [Fact]
    public void Compute_PerClass_TakesEachClassAsThePositiveOne()
    {
        // tp 3, fp 1, fn 2, tn 4.
        var m = Compute([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]);

        var negative = m.PerClass[0];
        var positive = m.PerClass[1];
        Assert.Equal(("NEGATIVE", 4.0 / 6, 4.0 / 5, 2.0 * 4 / (8 + 2 + 1), 5L), (negative.Label, negative.Precision, negative.Recall, negative.F1, negative.Support));
        Assert.Equal(("POSITIVE", 3.0 / 4, 3.0 / 5, 2.0 * 3 / (6 + 1 + 2), 5L), (positive.Label, positive.Precision, positive.Recall, positive.F1, positive.Support));
        Assert.Equal(positive.F1, m.F1);
    }

    [Fact]
    public void Compute_AllWrong_GivesZeros()
    {
        var m = Compute([0, 1, 1], [1, 0, 0]);

        Assert.Equal((0.0, 0.0, 0.0, 0.0), (m.Accuracy, m.Precision, m.Recall, m.F1));
        Assert.Equal([[0L, 1L], [2L, 0L]], m.ConfusionMatrix);
    }

    [Fact]
    public void Compute_AllRight_GivesOnes()
    {
        var m = Compute([0, 1, 1, 0], [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]);

        Assert.Equal((1.0, 1.0, 1.0, 1.0, 1.0), (m.Accuracy, m.Precision, m.Recall, m.F1, m.RocAuc));
    }

    [Fact]
    public void Compute_NoPositivePredictions_HasZeroPrecisionNotNaN()
    {
        var m = Compute([0, 1], [0, 0]);

        Assert.Equal((0.5, 0.0, 0.0, 0.0), (m.Accuracy, m.Precision, m.Recall, m.F1));
    }

    [Fact]
    public void Compute_OneClassOnly_HasNaNRocAucAndZeroFiguresForTheAbsentClass()
    {
        var m = Compute([1, 1, 1], [1, 1, 0], [0.9, 0.8, 0.2]);

        Assert.Equal(2.0 / 3, m.Accuracy, 15);
        Assert.Equal(1.0, m.Precision);
        Assert.Equal(2.0 / 3, m.Recall, 15);
        Assert.True(double.IsNaN(m.RocAuc));
        Assert.Equal(new ClassMetrics("NEGATIVE", 0, 0, 0, 0), m.PerClass[0]);
        Assert.Null(m.ToJson()["roc_auc"]);
    }

    [Fact]
    public void RocAuc_CountsTheOrderedPositiveNegativePairs()
    {
        // Positives 0.9, 0.4, 0.8 against negatives 0.3, 0.6, 0.1: 3 + 2 + 3 of 9 pairs are in order.
        var m = Compute([1, 1, 0, 0, 1, 0], [1, 0, 0, 1, 1, 0], [0.9, 0.4, 0.3, 0.6, 0.8, 0.1]);

        Assert.Equal(8.0 / 9, m.RocAuc, 15);
    }

    [Fact]
    public void RocAuc_CountsATiedPairAsOneHalf()
    {
        // sklearn.metrics.roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.8]) == 0.875
        var m = Compute([0, 1, 0, 1], [0, 0, 0, 1], [0.5, 0.5, 0.2, 0.8]);

        Assert.Equal(0.875, m.RocAuc, 15);
    }

    [Fact]
    public void RocAuc_OfConstantScores_IsOneHalf() =>
        Assert.Equal(0.5, Compute([0, 1, 1, 0, 1], [1, 1, 1, 1, 1], [0.7, 0.7, 0.7, 0.7, 0.7]).RocAuc, 15);

    [Fact]
    public void FromLogits_BreaksTiesTowardClassZeroAndAveragesTheCrossEntropy()
    {
        // Row 0: equal logits -> class 0, p1 = 1/2, loss ln 2 (label 1). Row 1: p1 = 3/4, label 0 -> loss ln 4.
        var m = ClassificationMetrics.FromLogits([1, 0], [0f, 0f, 0f, (float)Math.Log(3)]);

        Assert.Equal([[0L, 1L], [1L, 0L]], m.ConfusionMatrix);
        Assert.Equal((Math.Log(2) + Math.Log(4)) / 2, m.Loss, 6);
        Assert.Equal(0.0, m.RocAuc);   // the positive has the lower score
    }

    [Fact]
    public void Compute_RejectsALabelThatIsNotBinary()
    {
        var e = Assert.Throws<ArgumentException>(() => Compute([0, 2], [0, 1]));
        Assert.Contains("Example 1", e.Message);
    }

    [Fact]
    public void ToJson_WritesTheConfusionMatrixAndPerClassFigures()
    {
        var json = Compute([1, 0], [1, 1]).ToJson().ToJsonString();

        Assert.Contains("\"confusion_matrix\":[[0,1],[0,1]]", json);
        Assert.Contains("\"NEGATIVE\":{\"precision\":0,\"recall\":0,\"f1\":0,\"support\":1}", json);
    }
}
