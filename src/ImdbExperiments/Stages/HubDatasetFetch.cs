using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data.Hub;
using ImdbExperiments.Modeling.Hub;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// fetch for data.source: hub. The revision is resolved to a commit and the split's Parquet shards are found as datasets
/// finds them (<see cref="HubDataFilesResolver"/>), then downloaded with the model download's <see cref="HubClient"/> into the
/// Hugging Face cache (datasets--org--name), where Python's files are reused. The key is the commit and every shard's
/// SHA-256: a branch that moves rebuilds, a pinned commit that is cached never opens a download.
/// </summary>
internal static class HubDatasetFetch
{
    public const string RecordFileName = "hub.json";

    /// <summary>One shard as fetch recorded it: its role (train, test), path in the repo, file in the HF cache, SHA-256 and size.</summary>
    public sealed record ShardRecord(string Role, string RepoPath, string LocalPath, string Sha256, long Size);

    /// <summary>One resolution per pipeline run: Inputs is asked more than once, and every answer must name the same commit.</summary>
    static readonly ConditionalWeakTable<PipelineContext, Task<HubDataFiles>> Resolved = new();

    /// <summary>Inputs without a resolution of this run (a "is it cached?" question): the local cache alone answers, and nothing there is no key.</summary>
    const string Unresolved = "not resolvable from the local cache";

    public static HubDatasetRequest Request(DataSpec data) =>
        new(data.Dataset, data.Revision, data.Config, data.Splits.Train, data.Splits.Test);

    /// <summary>Resolves the revision and the shards once for this run, with its Ctrl-C token (the fetch stage's PrepareInputsAsync).</summary>
    public static Task PrepareAsync(PipelineContext context, CancellationToken cancellationToken) => ResolveAsync(context, cancellationToken);

    /// <summary>This run's resolution, else what the local cache alone tells (a "is it cached?" question), else null.</summary>
    public static HubDataFiles? Files(PipelineContext context) =>
        Resolved.TryGetValue(context, out var resolved) && resolved.IsCompletedSuccessfully ? resolved.Result : ResolveLocally(context);

    /// <summary>The fetch key: the dataset, the commit and every shard's hash; without a resolution, a key no output has.</summary>
    public static JsonObject KeyJson(HubDatasetRequest request, HubDataFiles? files)
    {
        if (files is null)
            return new JsonObject { ["source"] = "hub", ["dataset"] = request.Dataset, ["revision"] = request.Revision, ["commit"] = Unresolved };
        JsonArray Shards(IReadOnlyList<HubRepoFile> shards) =>
            [.. shards.Select(f => (JsonNode)new JsonObject { ["path"] = f.Path, ["sha256"] = f.Sha256, ["git_oid"] = f.Sha256 is null ? f.GitOid : null })];
        return new JsonObject
        {
            ["source"] = "hub",
            ["dataset"] = request.Dataset,
            ["commit"] = files.Commit,
            ["train"] = Shards(files.Train),
            ["test"] = Shards(files.Test),
        };
    }

    /// <summary>Downloads (or finds in the HF cache) the resolved shards and checks each one's SHA-256: reads the request and the resolution, never the spec.</summary>
    public static async Task BuildAsync(HubDatasetRequest request, HubDataFiles files, StageServices services, StageBuildContext output, CancellationToken cancellationToken)
    {
        var repo = HubRepo.Dataset(request.Dataset);
        using var hub = NewClient(services.Environment);
        var records = new List<ShardRecord>();
        var downloaded = false;
        foreach (var (role, shards) in new[] { ("train", files.Train), ("test", files.Test) })
        {
            foreach (var shard in shards)
            {
                cancellationToken.ThrowIfCancellationRequested();
                downloaded |= hub.Cache.TryGetFile(repo, files.Commit, shard.Path) is null;
                string local;
                using (var bar = new TransferBar(services.Progress, $"download {shard.Path}"))
                    local = await hub.DownloadFileAsync(repo, files.Commit, shard.Path, bar, cancellationToken);
                var sha256 = await Sha256Async(local, cancellationToken);
                if (shard.Sha256 is { } expected && sha256 != expected)
                {
                    throw new HubException(HubErrorKind.IntegrityMismatch,
                        $"'{shard.Path}' of {repo} (commit {files.Commit}) in the cache at {local} hashes to SHA-256 {sha256}, but the Hub lists {expected}: " +
                        "the cached blob was changed or damaged. Delete it (or the whole datasets--* folder) and run again.");
                }
                records.Add(new ShardRecord(role, shard.Path, local, sha256, new FileInfo(local).Length));
            }
        }

        var record = new JsonObject
        {
            ["dataset"] = request.Dataset,
            ["revision"] = request.Revision,
            ["commit"] = files.Commit,
            ["config"] = request.Config,
            ["rule"] = files.Rule,
            ["shards"] = new JsonArray([.. records.Select(r => (JsonNode)new JsonObject
            {
                ["role"] = r.Role, ["path"] = r.RepoPath, ["local"] = r.LocalPath, ["sha256"] = r.Sha256, ["size"] = r.Size,
            })]),
        };
        await File.WriteAllTextAsync(output.PathOf(RecordFileName), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);

        var hashes = string.Concat(records.Select(r => $"{r.Role} {r.RepoPath} {r.Sha256}\n"));
        var summary = output.Summary;
        summary["path"] = hub.Cache.SnapshotFolder(repo, files.Commit);
        summary["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hashes)));
        summary["size"] = records.Sum(r => r.Size);
        summary["source"] = $"hf://datasets/{request.Dataset}@{files.Commit}/{request.Config}";
        summary["downloaded"] = downloaded;
        summary["commit"] = files.Commit;
        summary["revision"] = request.Revision;
        summary["config"] = request.Config;
        summary["rule"] = files.Rule;
    }

    public static IReadOnlyList<ShardRecord> Read(StageOutput fetch)
    {
        var record = JsonNode.Parse(File.ReadAllText(fetch.PathOf(RecordFileName)))!;
        return [.. record["shards"]!.AsArray().Select(s => new ShardRecord(
            (string)s!["role"]!, (string)s["path"]!, (string)s["local"]!, (string)s["sha256"]!, (long)s["size"]!))];
    }

    public static string Describe(JsonObject summary) =>
        $"{(string?)summary["source"]} ({(long?)summary["size"] / 1e6:0.0} MB, {(string?)summary["rule"]})";

    /// <summary>The commit and the shards of both splits: the repo's file list (online, or the cache's snapshot offline) and its dataset card.</summary>
    static Task<HubDataFiles> ResolveAsync(PipelineContext context, CancellationToken cancellationToken) =>
        Resolved.GetValue(context, c => ResolveUncachedAsync(c, cancellationToken));

    static async Task<HubDataFiles> ResolveUncachedAsync(PipelineContext context, CancellationToken cancellationToken)
    {
        using var hub = NewClient(context.Environment);
        return await HubDatasetResolver.ResolveAsync(hub, Request(context.Spec.Spec.Data), context.Spec.SourcePath, cancellationToken);
    }

    /// <summary>The shards as the cache alone knows them (refs, trees, snapshots: local reads only), or null when it cannot tell.</summary>
    static HubDataFiles? ResolveLocally(PipelineContext context)
    {
        using var hub = new HubClient(HubOptions.FromEnvironment(context.Environment) with { Offline = true });
        try
        {
            // Offline, nothing here waits on a socket: the wait is for local file reads.
            return HubDatasetResolver.ResolveAsync(hub, Request(context.Spec.Spec.Data), context.Spec.SourcePath, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HubException or InvalidDataException or IOException)
        {
            return null;
        }
    }

    static HubClient NewClient(Func<string, string?> environment) =>
        new(HubOptions.FromEnvironment(environment), new HttpClient(HubClient.CreateHandler()));

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
