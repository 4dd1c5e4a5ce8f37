using System.CommandLine;
using ImdbExperiments.Cli;

// imdbx: the console program behind the Cake targets. Thin: parse, call the library, print.
var root = new RootCommand("ImdbExperiments: reproducible BERT fine-tuning on IMDb, stage by stage, cached.");
root.Subcommands.Add(SpecCommands.Show());
root.Subcommands.Add(SpecCommands.Schema());
foreach (var stage in StageCommands.Stages)
    root.Subcommands.Add(StageCommands.Create(stage));
root.Subcommands.Add(CacheCommands.Clean());
root.Subcommands.Add(TrackingCommands.Sync());

return await root.Parse(args).InvokeAsync();
