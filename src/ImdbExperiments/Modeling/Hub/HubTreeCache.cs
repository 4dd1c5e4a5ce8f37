using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// The file list of a commit, kept beside the repo's blobs as huggingface_hub's snapshot_download keeps it (_tree_cache.py):
/// <c>{type}s--org--name/trees/{commit}.json</c>, <c>{"format_version": 1, "files": {path: {"size", "blob_id", "lfs_sha256",
/// "lfs_size", "xet_hash"}}}</c>. A commit never changes, so its list is kept forever; Python's lists serve us and ours serve it.
/// A file that is missing, of another version, too large or wrong in any entry is ignored (and listed again), as Python ignores it.
/// </summary>
internal static partial class HubTreeCache
{
    public const int FormatVersion = 1;

    // 100,000 files (the listing's own limit) of a few hundred bytes each.
    private const long MaxBytes = 64L << 20;
    private const int MaxFiles = 100_000;

    public static string PathOf(HubCache cache, HubRepo repo, string commit)
    {
        if (!HubCache.IsCommitHash(commit))
            throw new ArgumentException($"'{commit}' is not a 40-hex commit hash; only a commit's file list is cached.", nameof(commit));
        return Path.Join(cache.RepoFolder(repo), "trees", commit + ".json");
    }

    /// <summary>The files recorded for <paramref name="commit"/>, sorted by path, or null when there is no usable record.</summary>
    public static IReadOnlyList<HubRepoFile>? Read(HubCache cache, HubRepo repo, string commit)
    {
        var path = PathOf(cache, repo, commit);
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length > MaxBytes)
                return null;
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        try
        {
            var root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 8 });
            if (root is not JsonObject top || top["format_version"] is not JsonValue version || !version.TryGetValue<int>(out var v) || v != FormatVersion ||
                top["files"] is not JsonObject entries || entries.Count > MaxFiles)
            {
                return null;
            }
            var files = new List<HubRepoFile>(entries.Count);
            foreach (var (name, node) in entries)
            {
                if (ParseEntry(name, node) is not { } file)
                    return null;
                files.Add(file);
            }
            files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            return files;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Records the list atomically; skipped (as Python skips it) when an entry could not be read back, and on any write error.</summary>
    public static void Write(HubCache cache, HubRepo repo, string commit, IReadOnlyList<HubRepoFile> files)
    {
        if (files.Any(f => f.GitOid is null || (f.XetHash is { } xet && !XetHashPattern().IsMatch(xet))))
            return;
        var entries = new JsonObject();
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var entry = new JsonObject { ["size"] = file.Size, ["blob_id"] = file.GitOid };
            if (file.Sha256 is { } sha256)
            {
                entry["lfs_sha256"] = sha256;
                entry["lfs_size"] = file.Size;
            }
            if (file.XetHash is { } xetHash)
                entry["xet_hash"] = xetHash;
            entries[file.Path] = entry;
        }
        var text = new JsonObject { ["format_version"] = FormatVersion, ["files"] = entries }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var path = PathOf(cache, repo, commit);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves its files; the record only saves a listing next time.
            TryDelete(temporary);
        }
    }

    private static HubRepoFile? ParseEntry(string name, JsonNode? node)
    {
        try
        {
            HubCache.ValidateFileName(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
        if (node is not JsonObject entry || !TryInt64(entry["size"], out var size) || size < 0 || Text(entry["blob_id"]) is not { } blobId || !GitOidPattern().IsMatch(blobId))
            return null;
        var sha256 = entry["lfs_sha256"] is null ? null : Text(entry["lfs_sha256"]);
        if (entry["lfs_sha256"] is not null && (sha256 is null || !Sha256Pattern().IsMatch(sha256)))
            return null;
        if (sha256 is not null && (!TryInt64(entry["lfs_size"], out var lfsSize) || lfsSize < 0))
            return null;
        var xetHash = entry["xet_hash"] is null ? null : Text(entry["xet_hash"]);
        if (entry["xet_hash"] is not null && (xetHash is null || !XetHashPattern().IsMatch(xetHash)))
            return null;
        return new HubRepoFile(name, size, blobId.ToLowerInvariant(), sha256?.ToLowerInvariant(), xetHash);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next writer's rename to ignore: a .tmp file is never read.
        }
    }

    private static bool TryInt64(JsonNode? node, out long value)
    {
        value = 0;
        return node is JsonValue json && json.GetValueKind() == JsonValueKind.Number && json.TryGetValue(out value);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue json && json.GetValueKind() == JsonValueKind.String ? json.GetValue<string>() : null;

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex GitOidPattern();

    // utils/_xet.py is_valid_xet_hash: 64 hex characters (the Hub redacts some, and those lists are not cached).
    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    internal static partial Regex XetHashPattern();
}
