using System.Globalization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Training;

/// <summary>One evaluation on the validation split during training.</summary>
/// <param name="IsBest">whether it improved on every earlier evaluation by metric_for_best (the model was saved as best)</param>
/// <param name="EvaluationsWithoutImprovement">the early-stopping counter after this evaluation</param>
public sealed record EvaluationRecord(int Step, double Epoch, ClassificationMetrics Metrics, ValidationMetric MetricForBest, bool IsBest,
    int EvaluationsWithoutImprovement, TimeSpan Duration)
{
    /// <summary>One line: "step 120 (epoch 1.50): loss 0.3120 accuracy 0.8790 precision ... roc_auc 0.9450, best f1".</summary>
    public string Describe()
    {
        var figures = string.Join(" ", Metrics.Summary().Select(f => $"{f.Name} {f.Value.ToString("F4", CultureInfo.InvariantCulture)}"));
        var verdict = IsBest
            ? $"best {ClassificationMetrics.NameOf(MetricForBest)}"
            : $"no improvement in {ClassificationMetrics.NameOf(MetricForBest)} ({EvaluationsWithoutImprovement} in a row)";
        return string.Create(CultureInfo.InvariantCulture, $"step {Step} (epoch {Epoch:F2}): {figures}, {verdict} [{Duration.TotalSeconds:F1} s]");
    }
}
