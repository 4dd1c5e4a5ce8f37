using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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

    /// <summary>A table by its content: its path is where to read it, not part of the key, so a moved file is still a hit.</summary>
    public sealed record TableHash(string Sha256, [property: JsonIgnore] string Path);

    /// <summary>The user's tables by SHA-256: data.files.train, and data.files.test when set.</summary>
    public sealed record TableFilesFetchInputs(TableHash Train, [property: OmitNull] TableHash? Test) : FetchStage.FetchInputs("files")
    {
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.files.train", "data.files.test"];

        [JsonIgnore] public IEnumerable<(string Role, string Path)> Files => Test is null ? [("train", Train.Path)] : [("train", Train.Path), ("test", Test.Path)];
    }

    public static TableFilesFetchInputs Inputs(PipelineContext context)
    {
        var files = Files(context).ToDictionary(f => f.Role, f => new TableHash(Sha256(f.Path), f.Path));
        return new TableFilesFetchInputs(files["train"], files.GetValueOrDefault("test"));
    }

    public static async Task BuildAsync(TableFilesFetchInputs inputs, StageBuildContext output, CancellationToken cancellationToken)
    {
        var files = new JsonObject();
        var hashes = new StringBuilder();
        long size = 0;
        foreach (var (role, path) in inputs.Files)
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
