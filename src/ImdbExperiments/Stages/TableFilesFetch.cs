using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// fetch for data.source: files. The user's tables are verified and referenced in place, never copied; the key is
/// their SHA-256, so an edited file rebuilds fetch and everything downstream, and a moved one does not.
/// </summary>
internal static class TableFilesFetch
{
    public const string RecordFileName = "files.json";

    /// <summary>One of the user's tables as fetch recorded it.</summary>
    public sealed record TableFileRecord(string Role, string Path, string Sha256, long Size);

    /// <summary>Hashes by (path, size, modified time): the key is asked for more than once a run, the bytes need reading once.</summary>
    static readonly ConcurrentDictionary<(string, long, DateTime), string> HashMemo = new();

    public static JsonNode Inputs(PipelineContext context)
    {
        var inputs = new JsonObject { ["source"] = "files" };
        foreach (var (role, path) in Files(context))
            inputs[role] = new JsonObject { ["sha256"] = Sha256(path) };
        return inputs;
    }

    public static async Task BuildAsync(PipelineContext context, StageBuildContext output, CancellationToken cancellationToken)
    {
        var files = new JsonObject();
        var hashes = new StringBuilder();
        long size = 0;
        foreach (var (role, path) in Files(context))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sha256 = Sha256(path);
            var length = new FileInfo(path).Length;
            files[role] = new JsonObject { ["path"] = path, ["sha256"] = sha256, ["size"] = length };
            hashes.Append($"{role} {sha256}\n");
            size += length;
        }

        await File.WriteAllTextAsync(output.PathOf(RecordFileName), files.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        var train = files["train"]!;
        output.Summary["path"] = (string)train["path"]!;
        // One hash for the run record: the train file's own when it is the only one, else one over both.
        output.Summary["sha256"] = files.Count == 1 ? (string)train["sha256"]! : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hashes.ToString())));
        output.Summary["size"] = size;
        output.Summary["source"] = (string)train["path"]!;
        output.Summary["downloaded"] = false;
        output.Summary["files"] = files.DeepClone();
    }

    public static IReadOnlyList<TableFileRecord> Read(StageOutput fetch)
    {
        var record = JsonNode.Parse(File.ReadAllText(fetch.PathOf(RecordFileName)))!.AsObject();
        return [.. record.Select(p => new TableFileRecord(p.Key, (string)p.Value!["path"]!, (string)p.Value!["sha256"]!, (long)p.Value!["size"]!))];
    }

    /// <summary>The tables the spec names (train first), each checked to be an existing regular file.</summary>
    public static IReadOnlyList<(string Role, string Path)> Files(PipelineContext context)
    {
        var spec = context.Spec;
        var files = spec.Spec.Data.Files;
        var train = files.Train ?? throw new ArgumentException($"{spec.SourcePath}: data.source is files but data.files.train is not set.");
        var list = new List<(string, string)> { ("train", UserFile.RequireRegular(train, $"data.files.train in {spec.SourcePath}")) };
        if (files.Test is { } test) list.Add(("test", UserFile.RequireRegular(test, $"data.files.test in {spec.SourcePath}")));
        return list;
    }

    public static string Sha256(string path)
    {
        var info = new FileInfo(path);
        return HashMemo.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), _ =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
    }
}
