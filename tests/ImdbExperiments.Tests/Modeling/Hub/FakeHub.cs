using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling.Hub;

/// <summary>A file in the fake repo. LFS files are served from the "CDN" port and carry their SHA-256 as ETag.</summary>
internal sealed record FakeHubFile(string Name, byte[] Content, bool Lfs)
{
    public string Sha256 => Convert.ToHexStringLower(SHA256.HashData(Content));

    public string GitSha1 => Convert.ToHexStringLower(
        SHA1.HashData([.. Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {Content.Length}\0")), .. Content]));

    /// <summary>The blob name huggingface_hub gives this file in the cache.</summary>
    public string Etag => Lfs ? Sha256 : GitSha1;

    public static FakeHubFile Text(string name, string content) => new(name, Encoding.UTF8.GetBytes(content), Lfs: false);

    public static FakeHubFile Binary(string name, int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return new FakeHubFile(name, bytes, Lfs: true);
    }
}

/// <summary>One request as the fake Hub saw it.</summary>
internal sealed record FakeHubRequest(string Method, string RawPath, bool ToCdn, string? Range, string? Authorization);

/// <summary>A one-shot failure: an HTTP status (with optional X-Error-Code) or a connection cut after some body bytes.</summary>
internal sealed record FakeHubFault(int Status = 0, string? ErrorCode = null, string? ErrorMessage = null, int? CutAfterBytes = null);

/// <summary>
/// An in-process Hugging Face Hub on 127.0.0.1 serving one repo: [/datasets]/{org}/{name}/resolve/{revision}/{file} answers HEAD
/// and GET like the Hub (X-Repo-Commit, ETag; LFS files redirect with X-Linked-Etag/X-Linked-Size to a CDN on a second port),
/// with Range support and injectable one-shot faults; /api/{type}s/{org}/{name}/revision/{revision} answers the repo info
/// (its "sha") and /api/{type}s/{org}/{name}/tree/{revision}?recursive=True the file list, paged with Link: rel="next" as
/// huggingface_hub's hf_api.py (dataset_info, list_repo_tree) and utils/_pagination.py read them.
/// </summary>
internal sealed class FakeHub : IDisposable
{
    public const string RepoId = "acme/tiny-bert";

    private readonly ConcurrentQueue<FakeHubRequest> _requests = new();
    private readonly ConcurrentQueue<(Func<FakeHubRequest, bool> When, FakeHubFault Fault)> _faults = new();
    private readonly ConcurrentDictionary<string, string> _branches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, FakeHubFile>> _commits = new(StringComparer.Ordinal);
    private readonly LoopbackHttpServer _hub;
    private readonly LoopbackHttpServer _cdn;

    private readonly string _repoId;
    private readonly string _repoType;

    /// <param name="repoType">"model" (URLs without prefix) or "dataset" (/datasets/ URLs, /api/datasets/).</param>
    public FakeHub(string repoType = "model", string repoId = RepoId)
    {
        _repoType = repoType;
        _repoId = repoId;
        _hub = new LoopbackHttpServer((context, stopping) => HandleAsync(context, toCdn: false, stopping));
        _cdn = new LoopbackHttpServer((context, stopping) => HandleAsync(context, toCdn: true, stopping));
    }

    public string Endpoint => _hub.BaseUri;

    /// <summary>When set, resolve requests need "Authorization: Bearer {token}" (a private repo).</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When set, the CDN flips one byte of every LFS body (same length, wrong hash).</summary>
    public bool CorruptLfsBodies { get; set; }

    /// <summary>When set, small files answer with a same-host relative redirect to /api/resolve-cache/..., as the real Hub does.</summary>
    public bool SmallFilesViaResolveCache { get; set; }

    /// <summary>When set, the CDN holds each body until the task completes.</summary>
    public Task? CdnGate { get; set; }

    public IReadOnlyList<FakeHubRequest> Requests => [.. _requests];

    /// <summary>Entries per page of the tree API; the Hub pages its listings, so clients must follow Link: rel="next".</summary>
    public int TreePageSize { get; set; } = 1000;

    public static string CommitId(string label) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(label)));

    public void AddCommit(string commit, params FakeHubFile[] files) =>
        _commits[commit] = files.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public void SetBranch(string branch, string commit) => _branches[branch] = commit;

    public void FailOnce(Func<FakeHubRequest, bool> when, FakeHubFault fault) => _faults.Enqueue((when, fault));

    public void Dispose()
    {
        _hub.Dispose();
        _cdn.Dispose();
    }

    private async Task HandleAsync(HttpListenerContext context, bool toCdn, CancellationToken stopping)
    {
        var rawPath = context.Request.RawUrl!.Split('?')[0];
        var request = new FakeHubRequest(
            context.Request.HttpMethod, rawPath, toCdn, context.Request.Headers["Range"], context.Request.Headers["Authorization"]);
        _requests.Enqueue(request);

        FakeHubFault? fault = null;
        if (_faults.TryPeek(out var next) && next.When(request) && _faults.TryDequeue(out var taken))
            fault = taken.Fault;
        if (fault is { Status: > 0 })
        {
            Fail(context.Response, fault.Status, fault.ErrorCode, fault.ErrorMessage, commit: null);
            return;
        }

        if (request.ToCdn)
            await ServeCdnAsync(context, request, fault?.CutAfterBytes, stopping);
        else if (request.RawPath.StartsWith("/api/", StringComparison.Ordinal) && !request.RawPath.StartsWith("/api/resolve-cache/", StringComparison.Ordinal))
            await ServeApiAsync(context, request, stopping);
        else
            await ServeResolveAsync(context, request, fault?.CutAfterBytes, stopping);
    }

    private async Task ServeResolveAsync(HttpListenerContext context, FakeHubRequest request, int? cutAfter, CancellationToken stopping)
    {
        var response = context.Response;
        var parts = request.RawPath.TrimStart('/').Split('/');
        // constants.py REPO_TYPES_URL_PREFIXES: dataset files live under /datasets/; a model URL for a dataset repo finds nothing.
        if (_repoType == "dataset")
        {
            if (parts[0] != "datasets")
            {
                Fail(response, 401, "RepoNotFound", "Repository not found", commit: null);
                return;
            }
            parts = parts[1..];
        }
        var fromResolveCache = parts.Length >= 6 && parts[0] == "api" && parts[1] == "resolve-cache" && parts[2] == "models";
        if (fromResolveCache)
            parts = [parts[3], parts[4], "resolve", .. parts[5..]];
        if (parts.Length < 5 || parts[2] != "resolve")
        {
            Fail(response, 404, null, null, commit: null);
            return;
        }
        if ($"{parts[0]}/{parts[1]}" != _repoId)
        {
            Fail(response, 401, "RepoNotFound", "Repository not found", commit: null);
            return;
        }
        if (RequiredToken is not null && request.Authorization != $"Bearer {RequiredToken}")
        {
            if (request.Authorization is null)
                Fail(response, 401, "RepoNotFound", "Repository not found", commit: null);
            else
                Fail(response, 401, null, "Invalid credentials in Authorization header", commit: null);
            return;
        }

        var revision = Uri.UnescapeDataString(parts[3]);
        var commit = _branches.TryGetValue(revision, out var branchCommit) ? branchCommit : _commits.ContainsKey(revision) ? revision : null;
        if (commit is null)
        {
            Fail(response, 404, "RevisionNotFound", "Invalid rev id", commit: null);
            return;
        }
        var fileName = string.Join('/', parts[4..].Select(Uri.UnescapeDataString));
        if (!_commits[commit].TryGetValue(fileName, out var file))
        {
            Fail(response, 404, "EntryNotFound", "Entry not found", commit);
            return;
        }

        response.Headers["X-Repo-Commit"] = commit;
        if (file.Lfs)
        {
            // The Hub's own ETag on the redirect is not the content hash; X-Linked-Etag is.
            response.StatusCode = 302;
            response.Headers["Location"] = $"{_cdn.BaseUri}/cdn/{file.Sha256}?X-Amz-Signature=fake";
            response.Headers["ETag"] = "\"redirect-etag-not-a-hash\"";
            response.Headers["X-Linked-Etag"] = $"\"{file.Sha256}\"";
            response.Headers["X-Linked-Size"] = file.Content.Length.ToString(CultureInfo.InvariantCulture);
            response.ContentLength64 = 0;
            response.Close();
            return;
        }
        if (SmallFilesViaResolveCache && !fromResolveCache)
        {
            response.StatusCode = 307;
            response.Headers["Location"] = $"/api/resolve-cache/models/{RepoId}/{commit}/{string.Join('/', parts[4..])}";
            response.ContentLength64 = 0;
            response.Close();
            return;
        }
        response.Headers["ETag"] = $"W/\"{file.GitSha1}\"";
        await WriteBodyAsync(context, file.Content, cutAfter, stopping);
    }

    /// <summary>GET /api/{type}s/{org}/{name}/revision/{rev} (repo info) and /api/{type}s/{org}/{name}/tree/{rev}[?cursor=n] (file list).</summary>
    private async Task ServeApiAsync(HttpListenerContext context, FakeHubRequest request, CancellationToken stopping)
    {
        var response = context.Response;
        var parts = request.RawPath.TrimStart('/').Split('/');
        if (parts.Length < 6 || parts[1] != _repoType + "s" || parts[4] is not ("revision" or "tree"))
        {
            Fail(response, 404, null, null, commit: null);
            return;
        }
        if ($"{parts[2]}/{parts[3]}" != _repoId || (RequiredToken is not null && request.Authorization != $"Bearer {RequiredToken}"))
        {
            Fail(response, 401, "RepoNotFound", "Repository not found", commit: null);
            return;
        }
        var revision = Uri.UnescapeDataString(parts[5]);
        var commit = _branches.TryGetValue(revision, out var branchCommit) ? branchCommit : _commits.ContainsKey(revision) ? revision : null;
        if (commit is null)
        {
            Fail(response, 404, "RevisionNotFound", "Invalid rev id", commit: null);
            return;
        }

        var files = _commits[commit].Values.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        string body;
        if (parts[4] == "revision")
        {
            body = JsonSerializer.Serialize(new { id = _repoId, sha = commit, siblings = files.Select(f => new { rfilename = f.Name }) });
        }
        else
        {
            // Folders are listed too (type "directory"), as the Hub's recursive tree does.
            var entries = files.SelectMany(f => Folders(f.Name)).Distinct().Select(d => (Path: d, File: (FakeHubFile?)null))
                .Concat(files.Select(f => (Path: f.Name, File: (FakeHubFile?)f))).OrderBy(e => e.Path, StringComparer.Ordinal).ToList();
            var query = System.Web.HttpUtility.ParseQueryString(context.Request.Url!.Query);
            var start = int.Parse(query["cursor"] ?? "0", CultureInfo.InvariantCulture);
            var page = entries.Skip(start).Take(TreePageSize).Select(e => e.File is { } file
                ? (object)new
                {
                    type = "file", oid = file.Lfs ? PointerOid(file) : file.GitSha1, size = file.Content.Length, path = file.Name,
                    lfs = file.Lfs ? new { oid = file.Sha256, size = file.Content.Length, pointerSize = 134 } : null,
                }
                : new { type = "directory", oid = CommitId(e.Path), size = 0, path = e.Path });
            body = JsonSerializer.Serialize(page, new JsonSerializerOptions { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull });
            if (start + TreePageSize < entries.Count)
                response.Headers["Link"] = $"<{_hub.BaseUri}{request.RawPath}?recursive=True&expand=False&cursor={start + TreePageSize}>; rel=\"next\"";
        }
        response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes, stopping);
        response.Close();

        static IEnumerable<string> Folders(string path)
        {
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                yield return path[..slash];
        }

        // An LFS file's git oid is the SHA-1 of its pointer file, not of the content.
        static string PointerOid(FakeHubFile file) => FakeHubFile.Text("p", $"version https://git-lfs.github.com/spec/v1\noid sha256:{file.Sha256}\nsize {file.Content.Length}\n").GitSha1;
    }

    private async Task ServeCdnAsync(HttpListenerContext context, FakeHubRequest request, int? cutAfter, CancellationToken stopping)
    {
        var sha = request.RawPath.Split('/').Last();
        var file = _commits.Values.SelectMany(files => files.Values).FirstOrDefault(f => f.Lfs && f.Sha256 == sha);
        if (file is null)
        {
            Fail(context.Response, 404, null, null, commit: null);
            return;
        }
        if (CdnGate is { } gate)
            await gate.WaitAsync(stopping);
        var content = file.Content;
        if (CorruptLfsBodies)
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0xFF;
        }
        context.Response.Headers["ETag"] = "\"cdn-etag\"";
        await WriteBodyAsync(context, content, cutAfter, stopping);
    }

    private static async Task WriteBodyAsync(HttpListenerContext context, byte[] content, int? cutAfter, CancellationToken stopping)
    {
        var response = context.Response;
        var start = 0;
        if (context.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = int.Parse(range["bytes=".Length..^1], CultureInfo.InvariantCulture);
            response.StatusCode = 206;
            response.Headers["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }
        response.ContentLength64 = content.Length - start;
        if (context.Request.HttpMethod == "HEAD")
        {
            response.Close();
            return;
        }
        var body = content.AsMemory(start);
        if (cutAfter is { } cut && cut < body.Length)
        {
            await LoopbackHttpServer.CutOffAsync(response, body.Length, body[..cut], stopping);
            return;
        }
        await response.OutputStream.WriteAsync(body, stopping);
        response.Close();
    }

    private static void Fail(HttpListenerResponse response, int status, string? errorCode, string? errorMessage, string? commit)
    {
        response.StatusCode = status;
        if (errorCode is not null)
            response.Headers["X-Error-Code"] = errorCode;
        if (errorMessage is not null)
            response.Headers["X-Error-Message"] = errorMessage;
        if (commit is not null)
            response.Headers["X-Repo-Commit"] = commit;
        response.ContentLength64 = 0;
        response.Close();
    }
}
