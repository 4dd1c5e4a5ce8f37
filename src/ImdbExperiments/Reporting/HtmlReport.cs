using System.Globalization;
using System.Text;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;
using ScottPlot;

namespace ImdbExperiments.Reporting;

/// <summary>
/// One self-contained HTML file about an experiment's runs: inline CSS, curves as base64 PNG, sweep charts as inline SVG, no
/// scripts and no links to fetch, so it opens offline and can be mailed or attached to a CI run. It shows the runs table
/// (params that differ, each metric's last value with its best / min / max, duration; see <see cref="ComparisonTable"/>),
/// optionally the runs grouped by one key with mean ± std (<see cref="RunGroupTable"/>), training-loss curves of every run on
/// shared axes, one chart per validation metric, for a sweep the parameter importances, parallel coordinates, the best value
/// so far and its metric against each swept parameter (<see cref="SweepCharts"/>), and a confusion matrix per run. The same
/// runs give the same bytes: nothing in it depends on the clock or on the order the runs were read in.
/// <para>Metrics read, by MLflow key: <see cref="TrainLoss"/> (its history, by step); every <c>validation/&lt;name&gt;</c>
/// history but the confusion counts; <c>test/tn</c>, <c>test/fp</c>, <c>test/fn</c>, <c>test/tp</c> (latest values; a run of more than two classes: <c>test/confusion_i_j</c>, named by its <c>test/class_i_name/</c> keys),
/// else the same four under <c>validation/</c>, for the confusion matrix. Sweep parent runs are left out of tables and charts.</para>
/// </summary>
public static class HtmlReport
{
    public const string TrainLoss = "train/loss";
    public const string ValidationPrefix = "validation/";
    public const string TestPrefix = "test/";

    private const int WideWidth = 1100, WideHeight = 420, SmallWidth = 540, SmallHeight = 340;
    private static readonly string[] ConfusionNames = ["tn", "fp", "fn", "tp"];

    /// <summary>Writes the report to <paramref name="path"/> through a temporary file in the same folder, renamed into place.</summary>
    public static void Write(string path, IReadOnlyList<RunRecord> runs, SweepSummary? sweep = null, string? title = null,
        string? groupBy = null, IReadOnlyDictionary<string, ParameterScale>? scales = null)
    {
        var html = Render(runs, sweep, title, groupBy, scales);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The report as one HTML document.</summary>
    /// <param name="groupBy">A param (spec key) to group the finished runs by, with each metric's mean ± std; it must be a param of some run.</param>
    /// <param name="scales">The swept keys' axis scales where the sweep spec declares them (<see cref="ParameterScales.FromSpec"/>).</param>
    public static string Render(IReadOnlyList<RunRecord> runs, SweepSummary? sweep = null, string? title = null,
        string? groupBy = null, IReadOnlyDictionary<string, ParameterScale>? scales = null)
    {
        // Read order must not matter: the same runs, however listed, give the same report.
        runs = [.. runs.OrderBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal)];
        var sweepView = ReportSweep.From(sweep, runs);
        var table = ComparisonTable.Build(runs, sweepView?.Metric, sweepView?.Goal);
        var shown = table.Rows.Select(r => r.Run).ToList();
        var colors = ReportCharts.RunColors(shown.Count);
        var colorOf = shown.Select((run, i) => (run.RunId, Color: colors[i])).ToDictionary(x => x.RunId, x => x.Color, StringComparer.Ordinal);
        var bestId = table.Rows.FirstOrDefault(r => r.IsBest)?.Run.RunId;
        var experiment = runs.Select(r => r.ExperimentId).Distinct().Count() == 1 ? runs[0].ExperimentId : null;

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>").Append(Encode(title ?? "Experiment report")).Append("</title>\n<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");
        html.Append("<h1>").Append(Encode(title ?? "Experiment report")).Append("</h1>\n");
        html.Append("<p class=\"meta\">").Append(shown.Count).Append(shown.Count == 1 ? " run" : " runs");
        if (experiment is not null)
        {
            html.Append(" &middot; MLflow experiment id ").Append(Encode(experiment));
        }

        // The latest run's start, not the clock: a report of the same runs is the same file.
        if (runs.Count > 0)
        {
            html.Append(" &middot; latest run started ").Append(runs.Max(r => r.StartTime).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        }

        html.Append("</p>\n");
        var points = sweepView is null ? [] : SweepTrialPoint.From(shown, sweepView.Metric, bestId, r => colorOf[r.RunId].ToHex());
        if (sweepView is not null)
        {
            AppendSweep(html, sweepView, table);
            AppendSweepCharts(html, sweepView, shown, points, scales);
        }

        AppendRunsTable(html, table, colorOf);
        if (groupBy is not null)
        {
            AppendGroups(html, RunGroupTable.Build(runs, groupBy, table.MetricColumns));
        }

        AppendCurves(html, shown, colorOf, bestId);
        if (sweepView is not null)
        {
            AppendSweepScatter(html, sweepView, points, scales);
        }

        AppendConfusionMatrices(html, shown, colorOf);
        html.Append("<footer>Metrics read: <code>train/loss</code> by step; <code>validation/&lt;metric&gt;</code> by step; ")
            .Append("final values are each metric's latest point, with its best (goal-aware: lower for losses and errors), min and max over its history; confusion matrices from <code>test/tn|fp|fn|tp</code>, else <code>validation/tn|fp|fn|tp</code>.</footer>\n");
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void AppendSweep(StringBuilder html, ReportSweep sweep, ComparisonTable table)
    {
        var best = table.Rows.FirstOrDefault(r => r.IsBest);
        html.Append("<section class=\"sweep\"><h2>Sweep</h2><p>");
        if (sweep.Method is not null)
        {
            html.Append(Encode(sweep.Method)).Append(" search over ");
        }
        else
        {
            html.Append("Over ");
        }

        html.Append(string.Join(", ", sweep.Parameters.Select(p => $"<code>{Encode(p)}</code>")));
        html.Append(", ranked by <code>").Append(Encode(sweep.Metric)).Append("</code> (")
            .Append(sweep.Goal == SweepGoal.Maximize ? "higher" : "lower").Append(" is better).");
        if (best is not null)
        {
            html.Append(" Best: <strong>").Append(Encode(best.Run.Name)).Append("</strong>, ")
                .Append(Encode(sweep.Metric)).Append(" = <strong>").Append(ComparisonTable.FormatMetric(best.Run.Metrics[sweep.Metric])).Append("</strong>");
            var values = sweep.Parameters.Where(best.Run.Params.ContainsKey).Select(p => $"{Encode(p)} = {Encode(best.Run.Params[p])}").ToList();
            if (values.Count > 0)
            {
                html.Append(" (").Append(string.Join(", ", values)).Append(')');
            }

            html.Append('.');
        }

        html.Append("</p></section>\n");
    }

    private static void AppendRunsTable(StringBuilder html, ComparisonTable table, IReadOnlyDictionary<string, Color> colorOf)
    {
        html.Append("<section><h2>Runs</h2>\n");
        if (table.Rows.Count == 0)
        {
            html.Append("<p class=\"empty\">No runs.</p></section>\n");
            return;
        }

        html.Append("<div class=\"scroll\"><table class=\"runs\">\n<thead><tr><th>run</th><th>status</th>");
        foreach (var key in table.ParamColumns)
        {
            html.Append("<th class=\"param\">").Append(Breakable(key)).Append("</th>");
        }

        foreach (var key in table.MetricColumns)
        {
            html.Append("<th class=\"num\">").Append(Breakable(key)).Append("</th>");
        }

        html.Append("<th class=\"num\">duration</th></tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append(row.IsBest ? "<tr class=\"best\">" : "<tr>");
            html.Append("<td class=\"name\">").Append(Swatch(colorOf[row.Run.RunId])).Append(Encode(row.Run.Name));
            if (row.IsBest)
            {
                html.Append(" <span class=\"badge\">best</span>");
            }

            html.Append("</td><td class=\"status ").Append(ComparisonTable.StatusText(row.Run.Status)).Append("\">")
                .Append(ComparisonTable.StatusText(row.Run.Status)).Append("</td>");
            foreach (var value in row.Params)
            {
                html.Append("<td>").Append(Encode(value)).Append("</td>");
            }

            for (var i = 0; i < row.Metrics.Count; i++)
            {
                html.Append("<td class=\"num\">").Append(ComparisonTable.FormatMetric(row.Metrics[i]));
                if (i < row.Stats.Count && row.Stats[i] is { Varies: true } stats)
                {
                    html.Append("<small class=\"stats\">best ").Append(ComparisonTable.FormatMetric(stats.Best)).Append("<br>")
                        .Append(ComparisonTable.FormatMetric(stats.Min)).Append("&ndash;").Append(ComparisonTable.FormatMetric(stats.Max)).Append("</small>");
                }

                html.Append("</td>");
            }

            html.Append("<td class=\"num\">").Append(ComparisonTable.FormatDuration(row.Run.Duration)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table></div>\n");
        if (table.Rows.Any(r => r.Stats.Any(s => s is { Varies: true })))
        {
            html.Append("<p class=\"note\">Each metric: its last value; under it, where it was logged more than once, its best value and its min&ndash;max range over the run's history.</p>\n");
        }

        if (table.ParamColumns.Count == 0 && table.Rows.Count > 1)
        {
            html.Append("<p class=\"note\">All runs have the same params.</p>\n");
        }

        html.Append("</section>\n");
    }

    private static void AppendCurves(StringBuilder html, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, Color> colorOf, string? bestId)
    {
        List<(string, Color, bool, IReadOnlyList<Metric>)> Series(string key) =>
            [.. runs.Where(r => r.MetricHistories.TryGetValue(key, out var h) && h.Count > 0)
                .Select(r => (r.Name, colorOf[r.RunId], r.RunId == bestId, r.MetricHistories[key]))];

        html.Append("<section><h2>Training loss</h2>\n");
        var loss = Series(TrainLoss);
        if (loss.Count == 0)
        {
            html.Append("<p class=\"empty\">No run logged <code>").Append(TrainLoss).Append("</code>.</p>\n");
        }
        else
        {
            AppendImage(html, ReportCharts.Curves(loss, TrainLoss, WideWidth, WideHeight, legend: runs.Count <= 16), $"{TrainLoss} by step, one line per run", "wide");
        }

        html.Append("</section>\n<section><h2>Validation metrics</h2>\n");
        var keys = runs.SelectMany(r => r.MetricHistories.Keys)
            .Where(k => k.StartsWith(ValidationPrefix, StringComparison.Ordinal) && ComparisonTable.IsComparable(k))
            .Distinct().Order(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            html.Append("<p class=\"empty\">No run logged a <code>validation/</code> metric.</p>\n");
        }
        else
        {
            html.Append("<div class=\"grid\">\n");
            foreach (var key in keys)
            {
                html.Append("<figure><figcaption>").Append(Encode(key)).Append("</figcaption>");
                AppendImage(html, ReportCharts.Curves(Series(key), key, SmallWidth, SmallHeight, legend: false), $"{key} by step, one line per run", "small");
                html.Append("</figure>\n");
            }

            html.Append("</div>\n<p class=\"note\">Line colors are the runs' colors in the table above; the best run is drawn thicker.</p>\n");
        }

        html.Append("</section>\n");
    }

    private static void AppendSweepScatter(StringBuilder html, ReportSweep sweep, IReadOnlyList<SweepTrialPoint> points, IReadOnlyDictionary<string, ParameterScale>? scales)
    {
        html.Append("<section><h2>").Append(Encode(sweep.Metric)).Append(" against the swept parameters</h2>\n");
        var charts = 0;
        html.Append("<div class=\"grid\">\n");
        foreach (var parameter in sweep.Parameters)
        {
            if (SweepCharts.MetricAgainstParameter(points, parameter, sweep.Metric, scales) is not { } svg)
            {
                continue;
            }

            charts++;
            html.Append("<figure><figcaption>").Append(Encode(parameter)).Append("</figcaption>").Append(svg).Append("</figure>\n");
        }

        html.Append("</div>\n");
        html.Append(charts == 0
            ? "<p class=\"empty\">No trial has both the sweep metric and a swept parameter yet.</p>\n"
            : "<p class=\"note\">One point per trial in its run color, hollow where the trial was pruned; the best trial is ringed.</p>\n");
        html.Append("</section>\n");
    }

    private static void AppendSweepCharts(StringBuilder html, ReportSweep sweep, IReadOnlyList<RunRecord> runs, IReadOnlyList<SweepTrialPoint> points, IReadOnlyDictionary<string, ParameterScale>? scales)
    {
        html.Append("<section><h2>Parameter importances</h2>\n");
        var completed = runs.Where(r => r.Status == RunStatus.Finished && !r.IsPruned && r.Metrics.TryGetValue(sweep.Metric, out var v) && double.IsFinite(v))
            .Select(r => ((IReadOnlyDictionary<string, string>)sweep.Parameters.Where(r.Params.ContainsKey).ToDictionary(p => p, p => r.Params[p], StringComparer.Ordinal), r.Metrics[sweep.Metric]))
            .ToList();
        var importances = ParameterImportance.Compute(completed);
        if (importances.Count == 0)
        {
            html.Append("<p class=\"empty\">Importances need at least three completed trials with the metric.</p>\n");
        }
        else
        {
            html.Append("<table class=\"importance\">\n");
            foreach (var (key, value) in importances)
            {
                html.Append("<tr><td><code>").Append(Encode(key)).Append("</code></td><td class=\"bar\"><span style=\"width:")
                    .Append((value * 100).ToString("0.#", CultureInfo.InvariantCulture)).Append("%\"></span></td><td class=\"num\">")
                    .Append(value.ToString("0.000", CultureInfo.InvariantCulture)).Append("</td></tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<p class=\"note\">Estimator: ").Append(Encode(ParameterImportance.EstimatorName)).Append(string.Create(CultureInfo.InvariantCulture, $", over {completed.Count} completed trials. "))
            .Append(Encode(ParameterImportance.EstimatorDifference)).Append("</p>\n</section>\n");

        html.Append("<section><h2>Parallel coordinates</h2>\n");
        if (SweepCharts.ParallelCoordinates(points, sweep.Parameters, sweep.Metric, sweep.Goal, scales) is { } parallel)
        {
            html.Append("<div class=\"scroll\">").Append(parallel).Append("</div>\n<p class=\"note\">One line per trial, through ")
                .Append(Encode(sweep.Metric)).Append(" and each swept key whose value differs between the trials; solid lines completed, dashed ones were pruned; the best trial is the thick dark line. Hover a line for its trial.</p>\n");
        }
        else
        {
            html.Append("<p class=\"empty\">No swept key differs between the trials that have the metric.</p>\n");
        }

        html.Append("</section>\n<section><h2>Best ").Append(Encode(sweep.Metric)).Append(" so far</h2>\n");
        if (SweepCharts.BestSoFar(points, sweep.Metric, sweep.Goal) is { } history)
        {
            html.Append("<div class=\"scroll\">").Append(history).Append("</div>\n<p class=\"note\">Each trial's ")
                .Append(Encode(sweep.Metric)).Append(" in sweep order (hollow: pruned); the green step line is the best of the completed trials so far.</p>\n");
        }
        else
        {
            html.Append("<p class=\"empty\">No trial has the metric yet.</p>\n");
        }

        html.Append("</section>\n");
    }

    private static void AppendGroups(StringBuilder html, RunGroupTable groups)
    {
        html.Append("<section><h2>Runs grouped by <code>").Append(Encode(groups.Key)).Append("</code></h2>\n<div class=\"scroll\"><table class=\"runs\">\n<thead><tr><th class=\"param\">")
            .Append(Breakable(groups.Key)).Append("</th><th class=\"num\">runs</th>");
        foreach (var metric in groups.MetricColumns)
        {
            html.Append("<th class=\"num\">").Append(Breakable(metric)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var group in groups.Groups)
        {
            html.Append("<tr><td>").Append(Encode(group.Value ?? RunGroupTable.NotSet)).Append("</td><td class=\"num\">").Append(group.Runs.ToString(CultureInfo.InvariantCulture)).Append("</td>");
            foreach (var metric in group.Metrics)
            {
                html.Append("<td class=\"num\">").Append(metric is null ? "" : Encode(metric.Format())).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></div>\n<p class=\"note\">").Append(Encode(groups.Explanation)).Append(".</p>\n</section>\n");
    }

    private static void AppendConfusionMatrices(StringBuilder html, IReadOnlyList<RunRecord> runs, IReadOnlyDictionary<string, Color> colorOf)
    {
        html.Append("<section><h2>Confusion matrices</h2>\n");
        var matrices = runs.Select(r => (Run: r, Matrix: ConfusionOf(r))).Where(x => x.Matrix is not null).ToList();
        if (matrices.Count == 0)
        {
            html.Append("<p class=\"empty\">No run logged <code>test/tn</code>, <code>test/fp</code>, <code>test/fn</code> and <code>test/tp</code> (or their <code>validation/</code> counterparts).</p>\n</section>\n");
            return;
        }

        html.Append("<div class=\"matrices\">\n");
        foreach (var (run, matrix) in matrices)
        {
            var (split, cells, names) = matrix!;
            var total = cells.Sum(row => row.Sum());
            html.Append("<div class=\"cm\"><div class=\"cm-title\">").Append(Swatch(colorOf[run.RunId])).Append(Encode(run.Name))
                .Append(" <span class=\"split\">").Append(split).Append("</span></div>\n");
            html.Append("<table><tr><th></th>");
            foreach (var name in names) html.Append("<th>predicted ").Append(Encode(name)).Append("</th>");
            html.Append("</tr>\n");
            for (var actual = 0; actual < cells.Length; actual++)
                AppendMatrixRow(html, "actual " + names[actual], cells[actual], actual);
            html.Append("</table>\n<div class=\"cm-foot\">n = ").Append(Count(total));
            if (total > 0)
            {
                html.Append(" &middot; accuracy ").Append((cells.Select((row, i) => row[i]).Sum() / total).ToString("0.0000", CultureInfo.InvariantCulture));
            }

            html.Append("</div></div>\n");
        }

        html.Append("</div>\n<p class=\"note\">Cells show counts and the share of their actual class; darker is a larger share.</p>\n</section>\n");
    }

    private static void AppendMatrixRow(StringBuilder html, string label, double[] row, int correctColumn)
    {
        var total = row.Sum();
        html.Append("<tr><th>").Append(Encode(label)).Append("</th>");
        for (var column = 0; column < row.Length; column++)
        {
            var value = row[column];
            var share = total > 0 ? value / total : 0;
            var (r, g, b) = column == correctColumn ? (37, 99, 235) : (220, 38, 38);
            html.Append(CultureInfo.InvariantCulture, $"<td style=\"background:rgba({r},{g},{b},{0.08 + 0.72 * share:0.###})\"")
                .Append(share > 0.55 ? " class=\"dark\"" : "").Append('>')
                .Append(Count(value)).Append("<small>").Append((share * 100).ToString("0.0", CultureInfo.InvariantCulture)).Append("%</small></td>");
        }

        html.Append("</tr>\n");
    }

    /// <summary>A run's confusion matrix: rows actual, columns predicted, with the class names the header shows.</summary>
    private sealed record Confusion(string Split, double[][] Cells, IReadOnlyList<string> Names);

    /// <summary>test/ else validation/: tn, fp, fn, tp for two classes, else the confusion_i_j cells named by the class_i_name keys.</summary>
    private static Confusion? ConfusionOf(RunRecord run)
    {
        foreach (var split in new[] { TestPrefix, ValidationPrefix })
        {
            var values = ConfusionNames.Select(n => run.Metrics.TryGetValue(split + n, out var v) && double.IsFinite(v) ? v : (double?)null).ToList();
            if (values.All(v => v is not null))
            {
                return new Confusion(split.TrimEnd('/'), [[values[0]!.Value, values[1]!.Value], [values[2]!.Value, values[3]!.Value]], ["negative", "positive"]);
            }

            if (MulticlassConfusionOf(run, split) is { } multiclass)
            {
                return multiclass;
            }
        }

        return null;
    }

    private static Confusion? MulticlassConfusionOf(RunRecord run, string split)
    {
        double? Cell(int actual, int predicted) =>
            run.Metrics.TryGetValue(split + MulticlassMetricKeys.ConfusionName(actual, predicted), out var v) && double.IsFinite(v) ? v : null;
        var classes = 0;
        while (classes < BertConfig.MaxLabels && Cell(classes, 0) is not null) classes++;
        if (classes < 3) return null;
        var cells = new double[classes][];
        for (var actual = 0; actual < classes; actual++)
        {
            cells[actual] = new double[classes];
            for (var predicted = 0; predicted < classes; predicted++)
            {
                if (Cell(actual, predicted) is not { } value) return null;
                cells[actual][predicted] = value;
            }
        }

        var names = Enumerable.Range(0, classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        foreach (var key in run.Metrics.Keys.Where(k => k.StartsWith(split, StringComparison.Ordinal)))
        {
            var segments = key[split.Length..].Split('/');
            if (segments.Length == 2 && MulticlassMetricKeys.ParseClassSegment(segments[0]) is { } parsed && parsed.Id < classes)
                names[parsed.Id] = parsed.Name;
        }

        return new Confusion(split.TrimEnd('/'), cells, names);
    }

    private static void AppendImage(StringBuilder html, byte[] png, string alt, string cssClass) =>
        html.Append("<img class=\"").Append(cssClass).Append("\" alt=\"").Append(Encode(alt)).Append("\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(png)).Append("\">\n");

    private static string Swatch(Color color) => $"<span class=\"swatch\" style=\"background:{color.ToHex()}\"></span>";

    private static string Count(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Encode(string text) => HtmlText.Encode(text);

    // Long dotted and slashed keys may wrap after their separators, so the table's headers stay narrow.
    private static string Breakable(string key) => Encode(key).Replace(".", ".<wbr>", StringComparison.Ordinal).Replace("/", "/<wbr>", StringComparison.Ordinal);

    private const string Css = """
        :root { color-scheme: light; }
        body { margin: 0; background: #f6f7f9; color: #1f2328; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
        main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 40px; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 0 0 12px; }
        section { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px 18px; margin: 16px 0; }
        section.sweep { border-left: 4px solid #2563eb; }
        .meta, .note, footer { color: #59636e; }
        .note { font-size: 12.5px; margin: 8px 0 0; }
        .empty { color: #59636e; font-style: italic; }
        code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #eff1f3; padding: 1px 4px; border-radius: 4px; }
        .scroll { overflow-x: auto; }
        table.runs { border-collapse: collapse; width: 100%; font-size: 13px; }
        table.runs th, table.runs td { padding: 6px 8px; border-bottom: 1px solid #e6e9ec; text-align: left; white-space: nowrap; }
        table.runs th { background: #f6f8fa; font-weight: 600; white-space: normal; vertical-align: bottom; }
        table.runs th.param { color: #6639ba; }
        table.runs .num { text-align: right; font-variant-numeric: tabular-nums; }
        table.runs tr.best td { background: #ecfdf3; }
        .badge { display: inline-block; font-size: 11px; font-weight: 600; color: #fff; background: #1a7f37; border-radius: 10px; padding: 0 7px; margin-left: 4px; }
        .status.failed, .status.killed { color: #cf222e; }
        .status.running { color: #9a6700; }
        .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 3px; margin-right: 7px; vertical-align: -1px; }
        img { display: block; max-width: 100%; height: auto; }
        img.wide { width: 100%; }
        svg.chart { display: block; max-width: 100%; height: auto; background: #fff; }
        table.runs small.stats { display: block; font-size: 11px; color: #59636e; }
        table.importance { border-collapse: collapse; font-size: 13px; }
        table.importance td { padding: 3px 8px; }
        table.importance td.bar { width: 420px; }
        table.importance td.bar span { display: block; height: 12px; background: #2563eb; border-radius: 3px; min-width: 1px; }
        table.importance td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 14px; }
        figure { margin: 0; border: 1px solid #eef0f2; border-radius: 6px; padding: 8px; }
        figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
        .matrices { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; }
        .cm { border: 1px solid #eef0f2; border-radius: 6px; padding: 10px 12px; }
        .cm-title { font-weight: 600; margin-bottom: 6px; }
        .cm .split { font-weight: 400; color: #59636e; }
        .cm table { border-collapse: separate; border-spacing: 3px; }
        .cm th { font-size: 12px; font-weight: 500; color: #59636e; padding: 2px 6px; text-align: center; }
        .cm td { width: 104px; height: 54px; text-align: center; border-radius: 5px; font-size: 16px; font-weight: 600; font-variant-numeric: tabular-nums; }
        .cm td small { display: block; font-size: 11px; font-weight: 400; }
        .cm td.dark { color: #fff; }
        .cm-foot { font-size: 12px; color: #59636e; margin-top: 4px; }
        footer { font-size: 12px; margin-top: 20px; }
        """;
}
