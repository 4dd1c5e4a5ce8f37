using System.CommandLine;
using ImdbExperiments.Caching;

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

    public static readonly Option<bool> NoWait = new("--no-wait")
    {
        Description = "Fail at once, naming the holder, when another process holds a stage or the run folder (default: wait for it).",
    };

    public static readonly Option<double?> LockTimeout = CheckedOptions.OptionalDouble("--lock-timeout", 0, MaxLockSeconds,
        "Give up waiting for another process's stage or run-folder lock after this many seconds (default: wait as long as it runs; 0 tries once).");

    /// <summary>A year: longer is "wait as long as it runs", which is leaving the option out.</summary>
    const double MaxLockSeconds = 366 * 24 * 3600;

    /// <summary>The lock waiting that --no-wait and --lock-timeout ask for.</summary>
    public static LockOptions Locks(ParseResult result)
    {
        var timeout = result.GetValue(LockTimeout);
        return new LockOptions { NoWait = result.GetValue(NoWait), Timeout = timeout is { } t ? TimeSpan.FromSeconds(t) : null };
    }
}
