using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ImdbExperiments.Sweeps;

/// <summary>The end-of-sweep table: trials sorted by the metric, the best marked, one column per swept key.</summary>
public static class SweepTable
{
    public static IRenderable Build(SweepSummary summary)
    {
        var keys = summary.Trials.SelectMany(t => t.Trial.Overrides.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Sweep trials by {Markup.Escape(summary.Metric)} ({(summary.Goal == Specs.SweepGoal.Maximize ? "higher" : "lower")} is better)");
        table.AddColumn("#", c => c.RightAligned());
        table.AddColumn("trial");
        foreach (var key in keys)
        {
            table.AddColumn(Markup.Escape(key));
        }

        table.AddColumn(Markup.Escape(summary.Metric), c => c.RightAligned());
        table.AddColumn("status");

        var rank = 0;
        foreach (var outcome in summary.Trials)
        {
            rank++;
            var name = Markup.Escape(outcome.Trial.Name);
            var cells = new List<string>
            {
                rank.ToString(CultureInfo.InvariantCulture),
                outcome.IsBest ? $"[bold green]{name} (best)[/]" : name,
            };
            cells.AddRange(keys.Select(k => Markup.Escape(outcome.Trial.Overrides.TryGetValue(k, out var v) ? v : "")));
            cells.Add(outcome.MetricValue is { } value ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "-");
            cells.Add(Markup.Escape(Status(outcome)));
            table.AddRow(cells.ToArray());
        }

        return table;
    }

    private static string Status(SweepTrialOutcome outcome)
    {
        var status = outcome.Result.Status switch
        {
            TrialStatus.Completed => "completed",
            TrialStatus.Stopped => "stopped early",
            _ => "failed" + (outcome.Result.Error is { } error ? ": " + (error.Length > 80 ? error[..77] + "..." : error) : ""),
        };
        return outcome.Reused ? status + " (cached)" : status;
    }
}
