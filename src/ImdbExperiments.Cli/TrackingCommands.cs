using System.CommandLine;
using ImdbExperiments.Runs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Cli;

static class TrackingCommands
{
    /// <summary><c>imdbx sync</c>: replay what the tracking journals of past runs have not yet delivered, each to its own target.</summary>
    public static Command Sync()
    {
        var experiment = new Option<string?>("--experiment", "-e") { Description = "Only this spec's runs, at the target its runs log to (default: every run, at MLFLOW_TRACKING_URI or the default store)." };
        var all = new Option<bool>("--all") { Description = "Also send journals recorded at other tracking targets, each to its own target and without today's credentials." };
        var command = new Command("sync", "Send every tracking event of today's tracking target not yet acknowledged (artifacts/runs/*/tracking*.jsonl); journals of other targets are listed.")
        {
            CommonOptions.Artifacts, CommonOptions.Set, experiment, all,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var runs = Path.Combine(Path.GetFullPath(result.GetValue(CommonOptions.Artifacts)!), "runs");
            if (!Directory.Exists(runs))
            {
                Console.WriteLine($"sync      nothing to do: {runs} does not exist");
                return 0;
            }
            var options = new TrackingOptions { BaseDirectory = Directory.GetCurrentDirectory() };
            var selection = new SyncSelection { AllTargets = result.GetValue(all) };
            if (result.GetValue(experiment) is not null)
            {
                var spec = SpecCommands.LoadSpec(result, experiment);
                options = RunTracking.TrackingOptions(spec);
                selection = selection with { Experiment = TrackingTarget.Of(options).Experiment, SourceName = spec.SourcePath };
            }
            Console.WriteLine($"sync      target {TrackingTarget.Of(options).Uri}");
            var failed = 0;
            foreach (var run in await TrackingSync.SyncAllAsync(runs, options, selection, cancellationToken))
            {
                Console.WriteLine($"sync      {Path.GetFileName(run.RunFolder),-40} {run.Outcome,-11} sent {run.SentEvents}, pending {run.PendingEvents}{(run.Message is null ? "" : "  " + run.Message)}");
                if (run.Outcome == SyncOutcome.Failed) failed++;
            }
            return failed == 0 ? 0 : CliErrors.Failed;
        }));
        return command;
    }
}
