using System.CommandLine;
using ImdbExperiments.Cli;

// imdbx: the console program behind the Cake targets. Thin: parse, call the library, print.
// First of all: from here on SIGINT/SIGTERM cancel the work instead of killing the process (CliCancellation.cs).
CliCancellation.Listen();

// Before any tensor exists: keep freed native memory for reuse (Training/NativeMemory.cs; IMDBX_MALLOC=system opts out).
try
{
    ImdbExperiments.Training.NativeMemory.RetainFreedMemory();
    // The fp32 GEMM path, once, from IMDBX_GEMM and the CPU (Modeling/GemmSelection.cs): a bad value fails here, not mid-training.
    _ = ImdbExperiments.Modeling.GemmSelection.Current;
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
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(SweepCommands.Create());
root.Subcommands.Add(ReportCommands.Compare());
root.Subcommands.Add(ReportCommands.Report());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(MemoryBenchCommand.Create());
root.Subcommands.Add(SearchBenchCommand.Create());
root.Subcommands.Add(InferenceBenchCommands.Inference());
root.Subcommands.Add(InferenceBenchCommands.Serve());
root.Subcommands.Add(OnnxBenchCommand.Create());
root.Subcommands.Add(CacheCommands.Clean());
root.Subcommands.Add(CacheCommands.Cache());
root.Subcommands.Add(TrackingCommands.Sync());

// System.CommandLine's own termination handling is off: it listens only once the action's synchronous part has run, and
// ends the process 2 s after a signal while the current step is still finishing. Ours covers the whole run.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, CliCancellation.Token);
