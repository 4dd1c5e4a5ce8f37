using System.CommandLine;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Cli;

static class TrackingCommands
{
    /// <summary><c>imdbx sync</c>: replay what the tracking journals of past runs have not yet delivered.</summary>
    public static Command Sync()
    {
        var command = new Command("sync", "Send every tracking event not yet acknowledged by the tracking server (artifacts/runs/*/tracking.jsonl).")
        {
            CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var runs = Path.Combine(Path.GetFullPath(result.GetValue(CommonOptions.Artifacts)!), "runs");
            if (!Directory.Exists(runs))
            {
                Console.WriteLine($"sync      nothing to do: {runs} does not exist");
                return 0;
            }
            var failed = 0;
            foreach (var run in await TrackingSync.SyncAllAsync(runs, new TrackingOptions { BaseDirectory = Directory.GetCurrentDirectory() }, cancellationToken))
            {
                Console.WriteLine($"sync      {Path.GetFileName(run.RunFolder),-40} {run.Outcome,-9} sent {run.SentEvents}, pending {run.PendingEvents}{(run.Message is null ? "" : "  " + run.Message)}");
                if (run.Outcome == SyncOutcome.Failed) failed++;
            }
            return failed == 0 ? 0 : CliErrors.Failed;
        }));
        return command;
    }
}
