using System.CommandLine;
using ImdbExperiments.Cli;

// imdbx: the console program behind the Cake targets. Thin: parse, call the library, print.
// Before any tensor exists: keep freed native memory for reuse (Training/NativeMemory.cs; IMDBX_MALLOC=system opts out).
try
{
    ImdbExperiments.Training.NativeMemory.RetainFreedMemory();
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return CliErrors.Failed;
}

var root = new RootCommand("ImdbExperiments: reproducible BERT fine-tuning on IMDb, stage by stage, cached.");
root.Subcommands.Add(SpecCommands.Show());
root.Subcommands.Add(SpecCommands.Schema());
foreach (var stage in StageCommands.Stages)
    root.Subcommands.Add(StageCommands.Create(stage));
root.Subcommands.Add(ExperimentCommands.Create("train", "Fine-tune the model (after every stage it needs), recording the run in artifacts/runs and MLflow."));
root.Subcommands.Add(ExperimentCommands.Create("evaluate", "Train if needed, then evaluate on the test split: metrics.json and predictions.csv."));
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(SweepCommands.Create());
root.Subcommands.Add(ReportCommands.Compare());
root.Subcommands.Add(ReportCommands.Report());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SearchBenchCommand.Create());
root.Subcommands.Add(CacheCommands.Clean());
root.Subcommands.Add(CacheCommands.Cache());
root.Subcommands.Add(TrackingCommands.Sync());

return await root.Parse(args).InvokeAsync();
