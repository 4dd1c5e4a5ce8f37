using System.CommandLine;

namespace ImdbExperiments.Cli;

/// <summary>Options every experiment command takes.</summary>
static class CommonOptions
{
    public static readonly Option<string> Experiment = new("--experiment", "-e")
    {
        Description = "Experiment spec: a path, or a name under experiments/ (smoke, smoke.yaml).",
        Required = true,
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override one spec value: --set training.learning_rate=3e-5 (repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    public static readonly Option<string[]> Force = new("--force")
    {
        Description = "Rebuild this stage even when it is cached (repeatable).",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object as the last line of standard output.",
    };

    public static readonly Option<string> Artifacts = new("--artifacts")
    {
        Description = "Artifacts folder (stage cache, runs, downloads).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("IMDBX_ARTIFACTS") ?? "artifacts",
    };
}
