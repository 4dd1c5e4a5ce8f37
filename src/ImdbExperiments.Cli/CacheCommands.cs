using System.CommandLine;
using System.Text.Json.Nodes;
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

    /// <summary><c>imdbx cache verify [--repair] [--json]</c>: re-hash every cached output; exit 1 when anything is wrong.</summary>
    public static Command Cache()
    {
        var repair = new Option<bool>("--repair") { Description = "Remove corrupt and incomplete outputs and leftovers of crashed builds (they rebuild on next use)." };
        var verify = new Command("verify", "Re-hash every output in the stage cache against its manifest; report corrupt, incomplete and orphaned folders (exit 1 if any).")
        {
            repair, CommonOptions.Json, CommonOptions.Artifacts,
        };
        verify.SetAction((result, cancellationToken) => CliErrors.RunAsync(() =>
        {
            var cache = new StageCache(Path.Combine(Path.GetFullPath(result.GetValue(CommonOptions.Artifacts)!), "cache"), ToolVersions.Current());
            var reports = cache.Verify(result.GetValue(repair), cancellationToken);
            foreach (var entry in reports)
                Console.WriteLine($"{entry.Stage,-9} {entry.Status.ToString().ToLowerInvariant(),-10} {StageKey.Short(entry.Key)}"
                    + (entry.Detail is null ? "" : $"  {entry.Detail}") + (entry.Removed ? " (removed)" : ""));
            var problems = reports.Count(entry => entry.IsProblem);
            Console.WriteLine($"verified  {reports.Count(e => e.Status == CacheEntryStatus.Ok)} ok, {problems} wrong, {cache.BytesHashed:N0} bytes hashed in {cache.Root}");
            if (result.GetValue(CommonOptions.Json))
                Console.WriteLine(new JsonObject
                {
                    ["root"] = cache.Root,
                    ["ok"] = problems == 0,
                    ["entries"] = new JsonArray(reports.Select(entry => (JsonNode)new JsonObject
                    {
                        ["stage"] = entry.Stage,
                        ["key"] = entry.Key,
                        ["status"] = entry.Status.ToString().ToLowerInvariant(),
                        ["detail"] = entry.Detail,
                        ["removed"] = entry.Removed,
                    }).ToArray()),
                }.ToJsonString());
            return Task.FromResult(problems == 0 ? 0 : CliErrors.Failed);
        }));
        return new Command("cache", "Inspect the stage cache (artifacts/cache).") { verify };
    }
}
