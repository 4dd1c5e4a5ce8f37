using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>The PNG charts a single run carries as artifacts: its training loss curve and its confusion matrix.</summary>
public static class RunCharts
{
    public static byte[] LossCurve(IReadOnlyList<(long Step, double Loss)> points, string runName) =>
        ReportCharts.Curves([(runName, ReportCharts.RunColors(1)[0], true, points.Select(p => new Metric("train/loss", p.Loss, 0, p.Step)).ToArray())],
            "train/loss", 800, 450, legend: false);

    public static byte[] ConfusionMatrix(long tn, long fp, long fn, long tp, IReadOnlyList<string> classNames) =>
        ReportCharts.ConfusionMatrix(tn, fp, fn, tp, classNames, 560, 480);

    /// <summary>N x N, larger as N grows so each cell keeps room for its count.</summary>
    public static byte[] ConfusionMatrix(long[][] counts, IReadOnlyList<string> classNames) =>
        ReportCharts.ConfusionMatrix(counts, classNames, Math.Max(560, 120 + 80 * counts.Length), Math.Max(480, 80 + 70 * counts.Length));
}
