using System.CommandLine;
using ImdbExperiments.Reporting;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx compare</c> and <c>imdbx report</c>: the experiment's runs, read back from the tracking store.</summary>
static class ReportCommands
{
    /// <summary>--group-by: a spec key (as the runs' MLflow param) whose values group the runs, each metric as mean ± std.</summary>
    static Option<string?> GroupBy() => new("--group-by")
    {
        Description = "Also group the finished runs by this spec key's value (e.g. seed, training.learning_rate): each metric's mean ± sample std (n-1) and n.",
    };

    public static Command Compare()
    {
        var groupBy = GroupBy();
        var command = new Command("compare", "Print a table of the experiment's runs from the tracking store: params that differ, final metrics (best, min, max), duration.")
        {
            CommonOptions.Experiment, CommonOptions.Set, groupBy,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var spec = SpecCommands.LoadSpec(result);
            var runs = await ReadRunsAsync(spec, cancellationToken);
            // The table is wide: when the output is not a terminal, don't squeeze it into 80 columns.
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
            if (Console.IsOutputRedirected) console.Profile.Width = 200;
            var sweepMetric = spec.Spec.Sweep?.Metric;
            var table = ComparisonTable.Build(runs, sweepMetric, spec.Spec.Sweep?.Goal, name => name == sweepMetric || ComparedMetrics.Contains(name));
            // Grouping fails on an unknown key before anything is printed.
            var groups = result.GetValue(groupBy) is { } key ? RunGroupTable.Build(runs, key, table.MetricColumns) : null;
            table.Write(console);
            groups?.Write(console);
            return 0;
        }));
        return command;
    }

    public static Command Report()
    {
        var output = new Option<string?>("--output", "-o") { Description = "The HTML file (default artifacts/reports/<experiment>.html)." };
        var groupBy = GroupBy();
        var command = new Command("report", "Write one self-contained HTML report of the experiment's runs: table, curves, sweep plots, confusion matrices.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Artifacts, output, groupBy,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var spec = SpecCommands.LoadSpec(result);
            var runs = await ReadRunsAsync(spec, cancellationToken);
            var path = Path.GetFullPath(result.GetValue(output)
                ?? Path.Combine(result.GetValue(CommonOptions.Artifacts)!, "reports", ExperimentName(spec) + ".html"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            HtmlReport.Write(path, runs, title: ExperimentName(spec), groupBy: result.GetValue(groupBy), scales: ParameterScales.FromSpec(spec.Spec.Sweep));
            Console.WriteLine($"report    {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}  ({runs.Count} runs)");
            return 0;
        }));
        return command;
    }

    /// <summary>What a comparison shows of the many metrics a run logs: the best validation figures and the test figures.</summary>
    static readonly HashSet<string> ComparedMetrics =
        ["best_validation/accuracy", "best_validation/f1", "test/accuracy", "test/precision", "test/recall", "test/f1", "test/roc_auc", "test/loss"];

    static string ExperimentName(ResolvedSpec spec) => TrackingTarget.Of(RunTracking.TrackingOptions(spec)).Experiment;

    // The same rule as training: where the spec's runs were logged is where they are read.
    static Task<IReadOnlyList<RunRecord>> ReadRunsAsync(ResolvedSpec spec, CancellationToken cancellationToken)
    {
        var target = TrackingTarget.Of(RunTracking.TrackingOptions(spec));
        return TrackedRunReader.ReadRunsAsync(target.Uri, target.Experiment, Directory.GetCurrentDirectory(), cancellationToken: cancellationToken);
    }
}
