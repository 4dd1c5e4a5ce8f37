using System.Globalization;
using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImdbExperiments.Reporting;

/// <summary>
/// The runs of an experiment side by side: the params whose values differ between them, their final (latest) metrics, each
/// metric's best / min / max over its history (<see cref="MetricStats"/>; best is goal-aware, see <see cref="MetricStats.GoalOf"/>)
/// and their duration. Sweep parent runs are left out (they train nothing; their metrics repeat the best trial's). Metrics
/// left out as columns: confusion counts (&lt;split&gt;/tn, fp, fn, tp), a multi-class run's per-class figures and cells, and train/learning_rate; the report shows them in
/// their own way. With a sort metric, finished runs come first by that metric (best first, goal-aware), then unfinished ones
/// (failed, killed, running) by it, then runs without it; without one, rows are in start order.
/// </summary>
public sealed record ComparisonTable(
    string? SortMetric,
    SweepGoal Goal,
    IReadOnlyList<string> ParamColumns,
    IReadOnlyList<string> MetricColumns,
    IReadOnlyList<ComparisonRow> Rows)
{
    private static readonly string[] HiddenMetricNames = ["tn", "fp", "fn", "tp"];

    /// <param name="sortMetric">The metric that ranks the runs; null takes the sweep/metric tag of the sweep parent among the runs, if exactly one sweep is there.</param>
    /// <param name="goal">Whether larger is better; with sortMetric null, the sweep's goal.</param>
    /// <param name="showMetric">Which metrics get a column (e.g. only validation/ and test/ ones on a narrow terminal); default all but the hidden ones.</param>
    public static ComparisonTable Build(IReadOnlyList<RunRecord> runs, string? sortMetric = null, SweepGoal? goal = null, Func<string, bool>? showMetric = null)
    {
        var parents = runs.Where(r => r.IsSweepParent).ToList();
        if (sortMetric is null && parents.Select(p => p.Tags[SweepTags.Metric]).Distinct().Count() == 1)
        {
            sortMetric = parents[0].Tags[SweepTags.Metric];
            goal ??= parents[0].Tags.GetValueOrDefault(SweepTags.Goal) == "minimize" ? SweepGoal.Minimize : SweepGoal.Maximize;
        }

        var goalValue = goal ?? SweepGoal.Maximize;
        var shown = runs.Where(r => !r.IsSweepParent).ToList();
        var paramColumns = shown.SelectMany(r => r.Params.Keys).Distinct()
            .Where(key => shown.Select(r => r.Params.GetValueOrDefault(key)).Distinct().Count() > 1)
            .Order(StringComparer.Ordinal).ToList();
        var metricColumns = shown.SelectMany(r => r.Metrics.Keys).Distinct().Where(k => IsComparable(k) && (showMetric?.Invoke(k) ?? true))
            .OrderBy(MetricGroup).ThenBy(k => k, StringComparer.Ordinal).ToList();

        double? Score(RunRecord run) => sortMetric is not null && run.Metrics.TryGetValue(sortMetric, out var v) && !double.IsNaN(v) ? v : null;
        var sign = goalValue == SweepGoal.Maximize ? -1.0 : 1.0;
        var ordered = sortMetric is null
            ? shown.OrderBy(r => r.StartTime).ToList()
            : [.. shown.OrderBy(r => Score(r) is null ? 2 : r.Status == RunStatus.Finished ? 0 : 1).ThenBy(r => Score(r) is { } v ? sign * v : 0).ThenBy(r => r.StartTime)];
        var best = ordered.FirstOrDefault(r => Score(r) is not null && r.Status == RunStatus.Finished);

        var rows = ordered.Select(run => new ComparisonRow(
            run,
            [.. paramColumns.Select(key => run.Params.GetValueOrDefault(key) ?? "")],
            [.. metricColumns.Select(key => run.Metrics.TryGetValue(key, out var v) ? v : (double?)null)],
            run == best)
        {
            Stats = [.. metricColumns.Select(key => MetricStats.Of(run, key, MetricStats.GoalOf(key, sortMetric, goalValue)))],
        }).ToList();
        return new ComparisonTable(sortMetric, goalValue, paramColumns, metricColumns, rows);
    }

    /// <summary>The table for a terminal.</summary>
    public IRenderable ToRenderable()
    {
        var table = new Table().Border(TableBorder.Rounded);
        if (SortMetric is not null)
        {
            table.Title($"Runs by {Markup.Escape(SortMetric)} ({(Goal == SweepGoal.Maximize ? "higher" : "lower")} is better)");
        }

        table.AddColumn("run");
        table.AddColumn("status");
        foreach (var key in ParamColumns)
        {
            table.AddColumn(Header(key));
        }

        foreach (var key in MetricColumns)
        {
            table.AddColumn(Header(key), c => c.RightAligned());
        }

        table.AddColumn("duration", c => c.RightAligned());
        if (Rows.Count == 0)
        {
            table.Caption("no runs");
        }
        else if (Rows.Any(r => r.Stats.Any(s => s is { Varies: true })))
        {
            table.Caption("Each metric: its last value; under it, where logged more than once, the best value and the min-max range over its history.");
        }

        foreach (var row in Rows)
        {
            var name = Markup.Escape(row.Run.Name);
            var cells = new List<string> { row.IsBest ? $"[bold green]{name} (best)[/]" : name, StatusText(row.Run.Status) };
            cells.AddRange(row.Params.Select(p => Markup.Escape(Shorten(p, 40))));
            cells.AddRange(row.Metrics.Select((value, i) => FormatMetric(value) + StatsLines(i < row.Stats.Count ? row.Stats[i] : null)));
            cells.Add(FormatDuration(row.Run.Duration));
            table.AddRow(cells.ToArray());
        }

        return table;
    }

    public void Write(IAnsiConsole console) => console.Write(ToRenderable());

    public static string FormatMetric(double? value) => value switch
    {
        null => "",
        double v when double.IsNaN(v) => "NaN",
        double v when double.IsInfinity(v) => v > 0 ? "inf" : "-inf",
        double v when Math.Abs(v) >= 1000 => v.ToString("0.#", CultureInfo.InvariantCulture),
        double v when v != 0 && Math.Abs(v) < 0.001 => v.ToString("0.###E+0", CultureInfo.InvariantCulture),
        double v => v.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    public static string FormatDuration(TimeSpan? duration) => duration switch
    {
        null => "running",
        { TotalSeconds: < 60 } d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
        { TotalHours: < 1 } d => $"{d.Minutes}m {d.Seconds:00}s",
        { } d => $"{(int)d.TotalHours}h {d.Minutes:00}m",
    };

    // Under the last value, only when the history says more: "best 0.9300" and "0.8500-0.9300".
    private static string StatsLines(MetricStats? stats) => stats is { Varies: true }
        ? $"\n[grey]best {FormatMetric(stats.Best)}\n{FormatMetric(stats.Min)}-{FormatMetric(stats.Max)}[/]"
        : "";

    public static string StatusText(RunStatus status) => status.ToString().ToLowerInvariant();

    internal static bool IsComparable(string metric) =>
        metric != "train/learning_rate" && !HiddenMetricNames.Contains(metric[(metric.LastIndexOf('/') + 1)..])
        && !metric.Split('/').Skip(1).Any(Training.MulticlassMetricKeys.IsPerClassOrCell);

    private static int MetricGroup(string metric) => metric.Split('/')[0] switch
    {
        "validation" => 0,
        "test" => 1,
        "train" => 2,
        _ => 3,
    };

    // "validation/f1" -> "validation/" over "f1": a narrow column keeps the whole key instead of "validatio…".
    private static string Header(string key)
    {
        var split = key.IndexOfAny(['/', '.']);
        return Markup.Escape(split < 0 || split == key.Length - 1 ? key : key[..(split + 1)] + "\n" + key[(split + 1)..]);
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";
}
