using System.CommandLine;
using ImdbExperiments.Caching;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Cli;

static class CacheCommands
{
    public static Command Clean()
    {
        var stage = new Option<string?>("--stage") { Description = "Delete only this stage's cached outputs." };
        var command = new Command("clean", "Delete the stage cache (artifacts/cache), or one stage of it.") { stage, CommonOptions.Artifacts };
        command.SetAction((result, _) => CliErrors.RunAsync(() =>
        {
            var name = result.GetValue(stage);
            var known = PipelineStages.Create().Select(s => s.Name).ToArray();
            if (name is not null && !known.Contains(name))
                throw new ArgumentException($"--stage {name}: no such stage. Stages: {string.Join(", ", known)}.");
            var cache = new StageCache(Path.Combine(Path.GetFullPath(result.GetValue(CommonOptions.Artifacts)!), "cache"), ToolVersions.Current());
            cache.Clean(name);
            Console.WriteLine(name is null ? $"removed {cache.Root}" : $"removed {Path.Combine(cache.Root, name)}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
