using System.CommandLine;

namespace ImdbExperiments.Cli;

/// <summary>imdbx's command tree: every command and its options (the program parses with it; tests walk it).</summary>
static class ImdbxCommands
{
    /// <summary>The commands that train or run a model: only these start again with jemalloc preloaded and set the malloc policy.</summary>
    public static readonly IReadOnlySet<string> TensorCommands = new HashSet<string>(StringComparer.Ordinal)
    {
        "train", "evaluate", "predict", "serve", "sweep", "bench", "memory-bench", "bench-inference", "bench-serve", "bench-onnx",
    };

    public static bool MakesTensors(string commandName) => TensorCommands.Contains(commandName);

    public static RootCommand Root()
    {
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
        return root;
    }
}
