using System.Globalization;
using System.Text;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Reporting;

/// <summary>
/// The sweep's charts as inline SVG (no script, no external font; readable in any browser and in the source): parallel
/// coordinates over the swept keys that differ and the metric, the metric against each swept key, and the best value so
/// far over the trials. Completed trials are solid, pruned (or killed) ones dashed or hollow, the best one thick or ringed.
/// Every text is HTML-escaped; coordinates are written with one decimal, invariantly, so the same trials give the same bytes.
/// </summary>
internal static class SweepCharts
{
    private const string Grid = "#e6e9ec", Ink = "#1f2328", Muted = "#59636e";

    /// <summary>
    /// One vertical axis per swept key whose value differs between the trials (log axes for log-scaled keys, a tick per
    /// value for categorical ones), the metric's axis first, as Optuna's plot_parallel_coordinate puts the objective; one
    /// polyline per trial. Null when no swept key differs.
    /// </summary>
    public static string? ParallelCoordinates(IReadOnlyList<SweepTrialPoint> trials, IReadOnlyList<string> keys, string metric, SweepGoal goal, IReadOnlyDictionary<string, ParameterScale>? declared)
    {
        var differing = keys.Where(k => trials.Select(t => ValueOf(t, k)).Distinct(StringComparer.Ordinal).Count() > 1).ToList();
        if (trials.Count == 0 || differing.Count == 0)
        {
            return null;
        }

        var axes = new List<(SvgAxis Axis, Func<SweepTrialPoint, double> Position)>();
        var metricAxis = SvgAxis.Numeric(metric, [.. trials.Select(t => t.Metric)]);
        axes.Add((metricAxis, t => metricAxis.Position(t.Metric)));
        foreach (var key in differing)
        {
            var values = trials.Select(t => ValueOf(t, key)).ToList();
            var axis = SvgAxis.Over(key, values, ParameterScales.Resolve(key, values, declared));
            axes.Add((axis, t => axis.Position(ValueOf(t, key))));
        }

        const double width = 1100, height = 410, left = 110, right = 990, top = 66, bottom = 360;
        double X(int i) => left + (right - left) * i / (axes.Count - 1);
        double Y(double position) => bottom - (bottom - top) * position;

        var svg = Open(width, height, $"Parallel coordinates: {metric} and the swept keys that differ, one line per trial");
        for (var i = 0; i < axes.Count; i++)
        {
            var (axis, _) = axes[i];
            var x = X(i);
            svg.Append("<g class=\"axis\" data-key=\"").Append(Encode(axis.Label)).Append("\" data-scale=\"").Append(axis.Scale.ToString().ToLowerInvariant()).Append("\">");
            Line(svg, x, top, x, bottom, Ink, 1.2);
            foreach (var (position, label) in axis.Ticks())
            {
                Line(svg, x - 4, Y(position), x, Y(position), Ink, 1);
                Text(svg, x - 7, Y(position) + 4, label, "end", 11, Muted);
            }

            // Two lines (name, then scale or goal), so that a long key stays within its neighbours' space.
            var note = i == 0 ? $"({(goal == SweepGoal.Maximize ? "higher" : "lower")} is better)" : axis.Scale == ParameterScale.Log ? "(log)" : axis.Scale == ParameterScale.Categorical ? "(categorical)" : "";
            Text(svg, x, top - 36, axis.Label, "middle", 12, Ink, bold: true);
            Text(svg, x, top - 20, note, "middle", 11, Muted);
            svg.Append("</g>\n");
        }

        // The best trial last, so it is drawn on top.
        foreach (var trial in trials.OrderBy(t => t.IsBest).ThenBy(t => t.Order))
        {
            var points = string.Join(" ", axes.Select((a, i) => Point(X(i), Y(a.Position(trial)))));
            svg.Append("<polyline class=\"trial").Append(trial.IsBest ? " best" : "").Append(trial.Completed ? "" : " pruned")
                .Append("\" fill=\"none\" stroke=\"").Append(trial.IsBest ? Ink : trial.Color).Append("\" stroke-width=\"").Append(trial.IsBest ? "3.5" : "1.6")
                .Append('"').Append(trial.Completed ? "" : " stroke-dasharray=\"5 4\"").Append(trial.IsBest ? "" : " stroke-opacity=\"0.75\"")
                .Append(" points=\"").Append(points).Append("\"><title>").Append(Encode(Describe(trial, differing, metric))).Append("</title></polyline>\n");
        }

        return Close(svg);
    }

    /// <summary>The metric against one swept key: a point per trial (hollow when pruned), the best ringed. Null when no trial has the key.</summary>
    public static string? MetricAgainstParameter(IReadOnlyList<SweepTrialPoint> trials, string key, string metric, IReadOnlyDictionary<string, ParameterScale>? declared)
    {
        var shown = trials.Where(t => t.Values.ContainsKey(key)).ToList();
        if (shown.Count == 0)
        {
            return null;
        }

        var values = shown.Select(t => t.Values[key]).ToList();
        var xAxis = SvgAxis.Over(key, values, ParameterScales.Resolve(key, values, declared));
        var yAxis = SvgAxis.Numeric(metric, [.. shown.Select(t => t.Metric)]);
        const double width = 540, height = 340, left = 70, right = 525, top = 16, bottom = 280;
        double X(double position) => left + (right - left) * (0.05 + 0.9 * position);
        double Y(double position) => bottom - (bottom - top) * (0.06 + 0.88 * position);

        var svg = Open(width, height, $"{metric} against {key}, one point per trial");
        Frame(svg, left, right, top, bottom, xAxis.Ticks(), yAxis, X, Y, xAxis.Scale == ParameterScale.Log ? key + " (log scale)" : key, metric, height);
        foreach (var trial in shown.OrderBy(t => t.IsBest).ThenBy(t => t.Order))
        {
            var (x, y) = (X(xAxis.Position(trial.Values[key])), Y(yAxis.Position(trial.Metric)));
            Marker(svg, x, y, trial, $"{trial.Name}: {key} = {trial.Values[key]}, {metric} = {SvgAxis.Format(trial.Metric)}");
        }

        return Close(svg);
    }

    /// <summary>
    /// Every trial's metric by its place in the sweep, and the best value so far as a step line over the completed trials
    /// (pruned trials are not candidates for best, as in Optuna's plot_optimization_history). Null without trials.
    /// </summary>
    public static string? BestSoFar(IReadOnlyList<SweepTrialPoint> trials, string metric, SweepGoal goal)
    {
        if (trials.Count == 0)
        {
            return null;
        }

        var ordered = trials.OrderBy(t => t.Order).ToList();
        var xAxis = SvgAxis.Numeric("trial", [.. ordered.Select(t => t.Order + 1.0)]);
        var yAxis = SvgAxis.Numeric(metric, [.. ordered.Select(t => t.Metric)]);
        const double width = 1100, height = 340, left = 70, right = 1085, top = 16, bottom = 280;
        double X(double position) => left + (right - left) * (0.03 + 0.94 * position);
        double Y(double position) => bottom - (bottom - top) * (0.06 + 0.88 * position);

        var svg = Open(width, height, $"Best {metric} so far over the trials");
        Frame(svg, left, right, top, bottom, TrialTicks(xAxis, ordered[0].Order + 1, ordered[^1].Order + 1), yAxis, X, Y, "trial (sweep order)", metric, height);
        var steps = new List<string>();
        double? best = null;
        foreach (var trial in ordered.Where(t => t.Completed))
        {
            var x = X(xAxis.Position(trial.Order + 1.0));
            if (best is { } previous)
            {
                steps.Add(Point(x, Y(yAxis.Position(previous))));
            }

            best = best is null ? trial.Metric : goal == SweepGoal.Maximize ? Math.Max(best.Value, trial.Metric) : Math.Min(best.Value, trial.Metric);
            steps.Add(Point(x, Y(yAxis.Position(best.Value))));
        }

        if (best is not null)
        {
            steps.Add(Point(X(xAxis.Position(ordered[^1].Order + 1.0)), Y(yAxis.Position(best.Value))));
            var distinct = steps.Where((p, i) => i == 0 || p != steps[i - 1]);
            svg.Append("<polyline class=\"best-so-far\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2.5\" points=\"").Append(string.Join(" ", distinct)).Append("\"/>\n");
        }

        foreach (var trial in ordered.OrderBy(t => t.IsBest).ThenBy(t => t.Order))
        {
            Marker(svg, X(xAxis.Position(trial.Order + 1.0)), Y(yAxis.Position(trial.Metric)), trial, $"{trial.Name} (trial {trial.Order + 1}): {metric} = {SvgAxis.Format(trial.Metric)}");
        }

        return Close(svg);
    }

    private static string ValueOf(SweepTrialPoint trial, string key) => trial.Values.GetValueOrDefault(key) ?? "(not set)";

    private static string Describe(SweepTrialPoint trial, IReadOnlyList<string> keys, string metric) =>
        $"{trial.Name}{(trial.Completed ? "" : " (pruned)")}{(trial.IsBest ? " (best)" : "")}: {metric} = {SvgAxis.Format(trial.Metric)}"
        + string.Concat(keys.Select(k => $", {k} = {ValueOf(trial, k)}"));

    private static void Marker(StringBuilder svg, double x, double y, SweepTrialPoint trial, string title)
    {
        svg.Append("<g class=\"point").Append(trial.IsBest ? " best" : "").Append(trial.Completed ? "" : " pruned").Append("\"><title>").Append(Encode(title)).Append("</title>");
        svg.Append("<circle cx=\"").Append(Number(x)).Append("\" cy=\"").Append(Number(y)).Append("\" r=\"5.5\"")
            .Append(trial.Completed ? $" fill=\"{trial.Color}\" stroke=\"#ffffff\" stroke-width=\"1\"" : $" fill=\"#ffffff\" stroke=\"{trial.Color}\" stroke-width=\"2\"").Append("/>");
        if (trial.IsBest)
        {
            svg.Append("<circle cx=\"").Append(Number(x)).Append("\" cy=\"").Append(Number(y)).Append("\" r=\"10\" fill=\"none\" stroke=\"").Append(Ink).Append("\" stroke-width=\"2\"/>");
        }

        svg.Append("</g>\n");
    }

    private static void Frame(StringBuilder svg, double left, double right, double top, double bottom, IReadOnlyList<(double Position, string Label)> xTicks, SvgAxis yAxis,
        Func<double, double> x, Func<double, double> y, string xLabel, string yLabel, double height)
    {
        foreach (var (position, label) in yAxis.Ticks())
        {
            Line(svg, left, y(position), right, y(position), Grid, 1);
            Text(svg, left - 6, y(position) + 4, label, "end", 11, Muted);
        }

        foreach (var (position, label) in xTicks)
        {
            Line(svg, x(position), bottom, x(position), bottom + 5, Ink, 1);
            Text(svg, x(position), bottom + 18, label, "middle", 11, Muted);
        }

        Line(svg, left, bottom, right, bottom, Ink, 1);
        Line(svg, left, top, left, bottom, Ink, 1);
        Text(svg, (left + right) / 2, height - 12, xLabel, "middle", 12, Ink, bold: true);
        svg.Append("<text x=\"14\" y=\"").Append(Number((top + bottom) / 2)).Append("\" transform=\"rotate(-90 14 ").Append(Number((top + bottom) / 2))
            .Append(")\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"600\" fill=\"").Append(Ink).Append("\">").Append(Encode(yLabel)).Append("</text>\n");
    }

    // Trial numbers are whole: a tick at each of up to about ten evenly spread trial numbers.
    private static IReadOnlyList<(double Position, string Label)> TrialTicks(SvgAxis axis, int first, int last)
    {
        var every = Math.Max(1, (int)Math.Ceiling((last - first) / 10.0));
        return [.. Enumerable.Range(0, (last - first) / every + 1).Select(i => first + i * every).Select(n => (axis.Position(n), n.ToString(CultureInfo.InvariantCulture)))];
    }

    private static StringBuilder Open(double width, double height, string title) => new StringBuilder()
        .Append("<svg class=\"chart\" viewBox=\"0 0 ").Append(Number(width)).Append(' ').Append(Number(height)).Append("\" width=\"").Append(Number(width))
        .Append("\" height=\"").Append(Number(height)).Append("\" role=\"img\" font-family=\"system-ui, 'DejaVu Sans', sans-serif\"><title>")
        .Append(Encode(title)).Append("</title>\n");

    private static string Close(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2, string color, double width) =>
        svg.Append("<line x1=\"").Append(Number(x1)).Append("\" y1=\"").Append(Number(y1)).Append("\" x2=\"").Append(Number(x2)).Append("\" y2=\"").Append(Number(y2))
            .Append("\" stroke=\"").Append(color).Append("\" stroke-width=\"").Append(Number(width)).Append("\"/>");

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, int size, string color, bool bold = false) =>
        svg.Append("<text x=\"").Append(Number(x)).Append("\" y=\"").Append(Number(y)).Append("\" text-anchor=\"").Append(anchor).Append("\" font-size=\"").Append(size)
            .Append(bold ? "\" font-weight=\"600" : "").Append("\" fill=\"").Append(color).Append("\">").Append(Encode(text)).Append("</text>");

    private static string Point(double x, double y) => Number(x) + "," + Number(y);

    private static string Number(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => HtmlText.Encode(text);
}
