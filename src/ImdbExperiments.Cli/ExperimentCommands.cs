using System.CommandLine;
using ImdbExperiments.Runs;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx train|evaluate</c>: run the pipeline through training (and evaluation), recording the run in
/// artifacts/runs/&lt;run-name&gt;/ and in MLflow.
/// </summary>
static class ExperimentCommands
{
    public static Command Create(string stage, string description)
    {
        var command = new Command(stage, description)
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Force, CommonOptions.Json, CommonOptions.Artifacts,
            CommonOptions.NoWait, CommonOptions.LockTimeout,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var run = await ExperimentRun.RunAsync(StageCommands.CreateContext(result), evaluate: stage == "evaluate", cancellationToken);
            Console.WriteLine(RunLine(run));
            if (result.GetValue(CommonOptions.Json))
            {
                var last = run.Evaluate ?? run.Train;
                Console.WriteLine(StageReport.Json(run.Pipeline[last.Stage], last, run.Pipeline.LastSeconds).ToJsonString());
            }
            return 0;
        }));
        return command;
    }

    public static string RunLine(ExperimentRun.Result run) =>
        $"run       {Path.GetRelativePath(Directory.GetCurrentDirectory(), run.RunFolder)}" + (run.Tracking is not { } tracking ? "" :
            $"  tracking {tracking.TrackingUri} run {tracking.RunId ?? "(pending)"}" + (tracking.AllSent ? "" : $", {tracking.PendingEvents} events pending: run imdbx sync"));
}
