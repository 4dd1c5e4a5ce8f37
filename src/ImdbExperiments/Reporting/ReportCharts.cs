using System.Globalization;
using ImdbExperiments.Tracking;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace ImdbExperiments.Reporting;

/// <summary>The report's charts, drawn with ScottPlot (SkiaSharp underneath) into PNG bytes.</summary>
internal static class ReportCharts
{
    private static readonly Lazy<string?> SansFont = new(() =>
        new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI" }
            .FirstOrDefault(name => Fonts.GetTypeface(name, bold: false, italic: false)?.FamilyName == name));

    /// <summary>One line per run, x = step, on shared axes; the best run drawn thicker.</summary>
    public static byte[] Curves(IReadOnlyList<(string Name, Color Color, bool IsBest, IReadOnlyList<Metric> Points)> series, string yLabel, int width, int height, bool legend)
    {
        using var plot = NewPlot();
        foreach (var (name, color, isBest, points) in series.Where(s => s.Points.Count > 0))
        {
            var xs = points.Select(p => (double)p.Step).ToArray();
            var ys = points.Select(p => p.Value).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, color);
            line.LineWidth = isBest ? 3 : 1.5f;
            line.MarkerSize = points.Count <= 40 ? (isBest ? 7 : 5) : 0;
            line.MarkerShape = MarkerShape.FilledCircle;
            line.LegendText = name;
        }

        plot.XLabel("step");
        plot.YLabel(yLabel);
        if (legend)
        {
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            plot.HideLegend();
        }

        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The sweep metric against one swept parameter: one marker per trial, the best ringed.</summary>
    public static byte[] MetricAgainstParameter(
        IReadOnlyList<(string Value, double Metric, Color Color, bool IsBest)> points, string parameter, string metric, int width, int height)
    {
        using var plot = NewPlot();
        var numbers = points.Select(p => double.TryParse(p.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : (double?)null).ToList();
        var numeric = numbers.All(x => x is not null && double.IsFinite(x.Value));
        var log = numeric && UseLogScale(parameter, [.. numbers.Select(x => x!.Value)]);
        var categories = numeric ? [] : points.Select(p => p.Value).Distinct().Order(StringComparer.Ordinal).ToList();

        double X(int i) => numeric ? (log ? Math.Log10(numbers[i]!.Value) : numbers[i]!.Value) : categories.IndexOf(points[i].Value);

        for (var i = 0; i < points.Count; i++)
        {
            plot.Add.Marker(X(i), points[i].Metric, MarkerShape.FilledCircle, 11, points[i].Color);
            if (points[i].IsBest)
            {
                plot.Add.Marker(X(i), points[i].Metric, MarkerShape.OpenCircle, 22, Colors.Black);
            }
        }

        var distinct = Enumerable.Range(0, points.Count).Select(i => (X: X(i), Label: points[i].Value)).DistinctBy(p => p.X).OrderBy(p => p.X).ToList();
        if (!numeric || distinct.Count <= 12)
        {
            var ticks = new NumericManual();
            foreach (var (x, label) in distinct)
            {
                ticks.AddMajor(x, label);
            }

            plot.Axes.Bottom.TickGenerator = ticks;
        }
        else if (log)
        {
            // Whole decades when the values span two or more, else ScottPlot's spacing; labels in scientific notation.
            plot.Axes.Bottom.TickGenerator = new NumericAutomatic
            {
                LabelFormatter = v => Math.Pow(10, v).ToString("0.##E+0", CultureInfo.InvariantCulture),
                MinorTickGenerator = new LogMinorTickGenerator(),
                IntegerTicksOnly = distinct[^1].X - distinct[0].X >= 2,
            };
        }

        if (distinct.Count == 1)
        {
            plot.Axes.SetLimitsX(distinct[0].X - 1, distinct[0].X + 1);
        }
        else
        {
            var span = distinct[^1].X - distinct[0].X;
            plot.Axes.SetLimitsX(distinct[0].X - span * 0.08, distinct[^1].X + span * 0.08);
        }

        plot.Axes.Margins(bottom: 0.15, top: 0.15);
        plot.XLabel(log ? parameter + " (log scale)" : parameter);
        plot.YLabel(metric);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>A 2 x 2 confusion matrix as a heatmap with the count and the share of the actual class in each cell.</summary>
    public static byte[] ConfusionMatrix(long tn, long fp, long fn, long tp, IReadOnlyList<string> classNames, int width, int height) =>
        ConfusionMatrix([[tn, fp], [fn, tp]], classNames, width, height);

    /// <summary>An N x N confusion matrix (rows actual, columns predicted) as a heatmap with the count and the share of the actual class in each cell.</summary>
    public static byte[] ConfusionMatrix(long[][] counts, IReadOnlyList<string> classNames, int width, int height)
    {
        var n = counts.Length;
        if (n < 2 || classNames.Count != n || counts.Any(row => row.Length != n))
            throw new ArgumentException($"A confusion matrix needs N x N counts and N class names; got {n} rows and {classNames.Count} names.", nameof(counts));
        using var plot = NewPlot();
        double[,] shares = new double[n, n];
        for (var actual = 0; actual < n; actual++)
        {
            var total = counts[actual].Sum();
            for (var predicted = 0; predicted < n; predicted++)
                shares[actual, predicted] = total == 0 ? 0 : (double)counts[actual][predicted] / total;
        }
        var heatmap = plot.Add.Heatmap(shares);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        heatmap.FlipVertically = true;
        // Smaller text as cells shrink: 18 points for 2 x 2, down to 8.
        var fontSize = Math.Max(8, 36 / n);
        for (var actual = 0; actual < n; actual++)
        for (var predicted = 0; predicted < n; predicted++)
        {
            var label = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{counts[actual][predicted]:N0}\n{shares[actual, predicted]:P1}"), predicted, actual);
            label.LabelFontSize = fontSize;
            label.LabelAlignment = Alignment.MiddleCenter;
            label.LabelFontColor = shares[actual, predicted] > 0.5 ? Colors.White : Colors.Black;
        }
        double[] positions = [.. Enumerable.Range(0, n).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. classNames.Select(c => $"predicted {c}")]);
        plot.Axes.Left.SetTicks(positions, [.. classNames.Select(c => $"actual {c}")]);
        plot.Axes.SetLimits(-0.5, n - 0.5, n - 0.5, -0.5);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Log x for learning rates, and for any positive parameter whose values span a factor of 20 or more.</summary>
    internal static bool UseLogScale(string parameter, IReadOnlyList<double> values) =>
        values.Count > 0 && values.All(v => v > 0) &&
        (parameter.EndsWith("learning_rate", StringComparison.Ordinal) || values.Max() / values.Min() >= 20);

    /// <summary>A color per run, in run order: Category10, then Category20 when there are more runs.</summary>
    public static IReadOnlyList<Color> RunColors(int count)
    {
        var palette = count <= 10 ? new ScottPlot.Palettes.Category10().Colors : new ScottPlot.Palettes.Category20().Colors;
        return [.. Enumerable.Range(0, count).Select(i => palette[i % palette.Length])];
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        if (SansFont.Value is { } font)
        {
            plot.Font.Set(font);
        }

        plot.Axes.Margins(0.03, 0.08);
        return plot;
    }
}
