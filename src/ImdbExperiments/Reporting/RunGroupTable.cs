using System.Globalization;
using ImdbExperiments.Tracking;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImdbExperiments.Reporting;

/// <summary>
/// Finished runs grouped by the value of one spec key (an MLflow param: <c>seed</c>, <c>training.learning_rate</c>), each
/// metric as the mean ± sample standard deviation (n − 1) of the runs' last values, with n. Sweep parents are left out
/// (they repeat their best trial), and so are failed, killed and running runs (a partial run would pull the mean).
/// Groups are in value order (numerically where every value is a number); runs without the param form a last group.
/// </summary>
public sealed record RunGroupTable(string Key, IReadOnlyList<string> MetricColumns, IReadOnlyList<RunGroup> Groups, int LeftOut)
{
    /// <summary>The label of the group of runs that lack the key.</summary>
    public const string NotSet = "(not set)";

    /// <param name="metricColumns">The metrics to average, in column order (e.g. a <see cref="ComparisonTable"/>'s).</param>
    /// <exception cref="ArgumentException">No run has the key as a param: the message names the key and the params the runs have.</exception>
    public static RunGroupTable Build(IReadOnlyList<RunRecord> runs, string key, IReadOnlyList<string> metricColumns)
    {
        var candidates = runs.Where(r => !r.IsSweepParent).ToList();
        if (!candidates.Any(r => r.Params.ContainsKey(key)))
        {
            var known = candidates.SelectMany(r => r.Params.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
            var listed = known.Count == 0 ? "the runs have no params" : "params the runs have: " + string.Join(", ", known.Take(30)) + (known.Count > 30 ? ", ..." : "");
            throw new ArgumentException($"--group-by {key}: no run of the experiment has that key as a param ({listed})");
        }

        var finished = candidates.Where(r => r.Status == RunStatus.Finished && !r.IsPruned).ToList();
        var groups = finished.GroupBy(r => r.Params.GetValueOrDefault(key)).ToList();
        var numeric = groups.All(g => g.Key is null || SvgAxis.Number(g.Key) is not null);
        var ordered = groups
            .OrderBy(g => g.Key is null ? 1 : 0)
            .ThenBy(g => numeric && g.Key is not null ? SvgAxis.Number(g.Key)!.Value : 0)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RunGroup(g.Key, g.Count(),
                [.. metricColumns.Select(m => GroupedMetric.Of([.. g.Where(r => r.Metrics.ContainsKey(m)).Select(r => r.Metrics[m])]))]))
            .ToList();
        return new RunGroupTable(key, metricColumns, ordered, candidates.Count - finished.Count);
    }

    /// <summary>What the numbers are, in one line, for the table's caption and the report.</summary>
    public string Explanation =>
        "mean ± sample standard deviation (n − 1) of each finished run's last value; n = runs with the metric"
        + (LeftOut > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {LeftOut} unfinished, failed or pruned run{(LeftOut == 1 ? "" : "s")} left out") : "");

    /// <summary>The table for a terminal.</summary>
    public IRenderable ToRenderable()
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Runs grouped by {Markup.Escape(Key)}").Caption(Markup.Escape(Explanation));
        table.AddColumn(Markup.Escape(Key));
        table.AddColumn("runs", c => c.RightAligned());
        foreach (var metric in MetricColumns)
        {
            table.AddColumn(Markup.Escape(metric), c => c.RightAligned());
        }

        foreach (var group in Groups)
        {
            var cells = new List<string> { Markup.Escape(group.Value ?? NotSet), group.Runs.ToString(CultureInfo.InvariantCulture) };
            cells.AddRange(group.Metrics.Select(m => m is null ? "" : Markup.Escape(m.Format())));
            table.AddRow(cells.ToArray());
        }

        return table;
    }

    public void Write(IAnsiConsole console) => console.Write(ToRenderable());
}
