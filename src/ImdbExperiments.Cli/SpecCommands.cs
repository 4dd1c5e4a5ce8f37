using System.CommandLine;
using System.Text.Json.Nodes;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Cli;

static class SpecCommands
{
    public static Command Show()
    {
        var command = new Command("show", "Print the resolved spec (extends + --set + defaults) and its hash.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Json,
        };
        command.SetAction((result, _) => CliErrors.RunAsync(() =>
        {
            var spec = LoadSpec(result);
            if (result.GetValue(CommonOptions.Json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["file"] = spec.SourcePath,
                    ["hash"] = spec.Hash,
                    ["spec"] = JsonNode.Parse(spec.CanonicalJson),
                }.ToJsonString());
            }
            else
            {
                Console.WriteLine($"# {Path.GetRelativePath(Directory.GetCurrentDirectory(), spec.SourcePath)}");
                Console.Write(spec.ToYaml());
                Console.WriteLine($"# spec hash: {spec.Hash}");
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Schema()
    {
        var command = new Command("schema", "Print every spec key with its type, default and allowed values (Markdown).");
        command.SetAction(_ => Console.Write(SpecSchema.ToMarkdown()));
        return command;
    }

    public static ResolvedSpec LoadSpec(ParseResult result, Option<string?>? experiment = null)
    {
        var argument = experiment is null ? result.GetValue(CommonOptions.Experiment)! : result.GetValue(experiment)!;
        if (Directory.Exists(argument)) UserFile.RequireRegular(argument, "--experiment");
        var path = UserFile.RequireRegular(ExperimentLocator.Resolve(argument, Directory.GetCurrentDirectory()), "--experiment");
        return SpecLoader.Load(path, result.GetValue(CommonOptions.Set) ?? []);
    }
}
