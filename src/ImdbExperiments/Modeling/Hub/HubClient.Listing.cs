using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>The repo's file list: what <c>dataset_info</c> / <c>model_info</c> and <c>list_repo_tree</c> return, or the cache's snapshot offline.</summary>
public sealed partial class HubClient
{
    private const int MaxListedFiles = 100_000;
    private const int MaxListingPages = 1_000;
    private const int MaxApiResponseBytes = 32 << 20;

    /// <summary>
    /// The commit a revision stands for and every file at that commit, asking the Hub only what the cache cannot answer, as
    /// _snapshot_download.py does: a 40-hex commit needs no lookup, a branch or tag one <c>GET /api/{type}s/{id}/revision/{revision}</c>
    /// (repo_info's <c>sha</c>, recorded in refs/); the commit's file list comes from trees/{commit}.json when cached
    /// (<see cref="HubTreeCache"/>), else from <c>GET /api/{type}s/{id}/tree/{commit}?recursive=True&amp;expand=False</c> following
    /// <c>Link: rel="next"</c> (list_repo_tree), which is then cached. Offline (HF_HUB_OFFLINE), or when the Hub cannot be reached,
    /// the cache alone answers: refs/{revision} → commit → its recorded list, else the files of snapshots/{commit}.
    /// </summary>
    public async Task<HubRepoListing> ListFilesAsync(HubRepo repo, string revision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        HubCache.ValidateRepoId(repo.Id);
        HubCache.ValidateRevision(revision);
        var (commit, unreachable) = await ResolveListingCommitAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        if (HubTreeCache.Read(Cache, repo, commit) is { } recorded)
            return new HubRepoListing(repo, revision, commit, recorded, FromCache: true);
        if (Options.Offline || unreachable is not null)
        {
            return ListSnapshot(repo, revision, commit)
                ?? throw NotCached(repo, revision, ["(the file list)"], unreachable is null ? OfflineReason : UnreachableReason(unreachable), unreachable);
        }

        IReadOnlyList<HubRepoFile> files;
        try
        {
            files = await ListTreeAsync(repo, commit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (CanFallBack(e, cancellationToken) && !IsDefinitiveAnswer(e))
        {
            // As hf_hub_download: what the cache holds answers at once; only with nothing cached is the Hub retried.
            if (ListSnapshot(repo, revision, commit) is { } cached)
                return cached;
            if (!IsTransient(e))
                throw;
            try
            {
                files = await _retry.ExecuteAsync(token => new ValueTask<IReadOnlyList<HubRepoFile>>(ListTreeAsync(repo, commit, token)), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception retryError) when (IsTransient(retryError) && !cancellationToken.IsCancellationRequested)
            {
                throw NotCached(repo, revision, ["(the file list)"], UnreachableReason(retryError), retryError);
            }
        }
        HubTreeCache.Write(Cache, repo, commit, files);
        return new HubRepoListing(repo, revision, commit, files, FromCache: false);
    }

    /// <summary>
    /// The commit of a revision and, when the Hub could not be used and the cache's ref answered instead, why. A commit hash is
    /// its own answer (no request); offline only refs/ answers; online the Hub is asked once and refs/ is its fallback.
    /// </summary>
    private async Task<(string Commit, Exception? Unreachable)> ResolveListingCommitAsync(HubRepo repo, string revision, CancellationToken cancellationToken)
    {
        if (HubCache.IsCommitHash(revision))
            return (revision, null);
        if (Options.Offline)
            return (Cache.ResolveCommit(repo, revision) ?? throw NotCached(repo, revision, ["(the file list)"], OfflineReason, cause: null), null);

        string commit;
        try
        {
            commit = await RevisionCommitAsync(repo, revision, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (CanFallBack(e, cancellationToken) && !IsDefinitiveAnswer(e))
        {
            if (Cache.ResolveCommit(repo, revision) is { } cached)
                return (cached, e);
            if (!IsTransient(e))
                throw;
            try
            {
                commit = await _retry.ExecuteAsync(token => new ValueTask<string>(RevisionCommitAsync(repo, revision, token)), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception retryError) when (IsTransient(retryError) && !cancellationToken.IsCancellationRequested)
            {
                throw NotCached(repo, revision, ["(the file list)"], UnreachableReason(retryError), retryError);
            }
        }
        TryWriteRef(repo, revision, commit);
        return (commit, null);
    }

    /// <summary>The Hub said no (no such repo or revision, no access): the cache must not paper over that.</summary>
    private static bool IsDefinitiveAnswer(Exception e) => e is HubException
    {
        Kind: HubErrorKind.RepositoryNotFound or HubErrorKind.RevisionNotFound or HubErrorKind.GatedRepository or HubErrorKind.InvalidToken or HubErrorKind.Forbidden,
    };

    /// <summary>The files of a cached snapshot, or null when the revision was never downloaded here.</summary>
    public HubRepoListing? ListFromCache(HubRepo repo, string revision) =>
        Cache.ResolveCommit(repo, revision) is { } commit ? ListSnapshot(repo, revision, commit) : null;

    /// <summary>What snapshots/{commit} holds (perhaps only part of the repo: a listing of last resort), or null when it is absent.</summary>
    private HubRepoListing? ListSnapshot(HubRepo repo, string revision, string commit)
    {
        var snapshot = Cache.SnapshotFolder(repo, commit);
        if (!Directory.Exists(snapshot))
            return null;
        var files = new List<HubRepoFile>();
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = true, RecurseSubdirectories = false };
        var pending = new Stack<(string Folder, string Prefix)>();
        pending.Push((snapshot, ""));
        while (pending.TryPop(out var next))
        {
            foreach (var entry in new DirectoryInfo(next.Folder).EnumerateFileSystemInfos("*", options))
            {
                var path = next.Prefix + entry.Name;
                if (entry is DirectoryInfo folder)
                {
                    // A linked folder could lead anywhere (or round in circles): huggingface_hub only links files.
                    if (folder.LinkTarget is null)
                        pending.Push((folder.FullName, path + "/"));
                    continue;
                }
                if (!HubCache.IsUsableFile(entry.FullName))
                    continue;
                if (files.Count >= MaxListedFiles)
                    throw new HubException(HubErrorKind.InvalidResponse, $"The cached snapshot {snapshot} of {repo} holds more than {MaxListedFiles:N0} files; it is not read.");
                // The blob a pointer links to is named by its ETag: the SHA-256 for LFS files, the git blob id otherwise.
                var blob = entry.LinkTarget is { } target ? Path.GetFileName(target) : null;
                var info = (FileInfo)entry;
                var size = info.LinkTarget is null ? info.Length : (info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo)?.Length ?? 0;
                files.Add(new HubRepoFile(path, size,
                    blob is not null && GitOidPattern().IsMatch(blob) ? blob : null,
                    blob is not null && Sha256Pattern().IsMatch(blob) ? blob : null));
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return new HubRepoListing(repo, revision, commit, files, FromCache: true);
    }

    /// <summary>hf_api.py repo_info: the 40-hex <c>sha</c> of <c>GET /api/{type}s/{id}/revision/{revision}</c>.</summary>
    private async Task<string> RevisionCommitAsync(HubRepo repo, string revision, CancellationToken cancellationToken)
    {
        var infoUrl = new Uri($"{Options.Endpoint}/api/{repo.Plural}/{repo.Id}/revision/{Uri.EscapeDataString(revision)}");
        var (info, _) = await GetJsonAsync(infoUrl, repo, revision, cancellationToken).ConfigureAwait(false);
        using (info)
        {
            return info.RootElement.ValueKind == JsonValueKind.Object && info.RootElement.TryGetProperty("sha", out var sha) &&
                   sha.ValueKind == JsonValueKind.String && sha.GetString() is { } value && HubCache.IsCommitHash(value)
                ? value
                : throw new HubException(HubErrorKind.InvalidResponse,
                    $"The answer from {infoUrl.GetLeftPart(UriPartial.Path)} has no 40-hex 'sha' (commit), so it does not come from a Hugging Face Hub. Check HF_ENDPOINT.");
        }
    }

    /// <summary>hf_api.py list_repo_tree(recursive=True) at a commit: every file, sorted by path.</summary>
    private async Task<IReadOnlyList<HubRepoFile>> ListTreeAsync(HubRepo repo, string commit, CancellationToken cancellationToken)
    {
        var files = new List<HubRepoFile>();
        // requests spells the booleans of params={"recursive": True, "expand": False} as True / False.
        Uri? url = new($"{Options.Endpoint}/api/{repo.Plural}/{repo.Id}/tree/{commit}?recursive=True&expand=False");
        for (var page = 0; url is not null; page++)
        {
            if (page >= MaxListingPages)
                throw new HubException(HubErrorKind.InvalidResponse, $"The file list of {repo} at {commit} runs past {MaxListingPages} pages; it is not read.");
            var (tree, next) = await GetJsonAsync(url, repo, commit, cancellationToken).ConfigureAwait(false);
            using (tree)
            {
                if (tree.RootElement.ValueKind != JsonValueKind.Array)
                    throw new HubException(HubErrorKind.InvalidResponse, $"The file list from {url.GetLeftPart(UriPartial.Path)} is not a JSON array.");
                foreach (var entry in tree.RootElement.EnumerateArray())
                {
                    if (entry.ValueKind != JsonValueKind.Object || Text(entry, "type") != "file")
                        continue;
                    files.Add(ParseTreeFile(entry, repo, url));
                    if (files.Count > MaxListedFiles)
                        throw new HubException(HubErrorKind.InvalidResponse, $"{repo} lists more than {MaxListedFiles:N0} files at {commit}; it is not read.");
                }
            }
            url = next;
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return files;
    }

    /// <summary>One "file" entry: {"type":"file","oid":git-sha1,"size":n,"path":p,"lfs":{"oid":sha256,"size":n}}; paths are checked as a hostile server's would be.</summary>
    private static HubRepoFile ParseTreeFile(JsonElement entry, HubRepo repo, Uri url)
    {
        var path = Text(entry, "path");
        var problem = path is null ? "has no path" : null;
        if (path is not null)
        {
            try
            {
                HubCache.ValidateFileName(path);
            }
            catch (ArgumentException)
            {
                problem = $"names the path '{path}', which is not a relative path inside the repo";
            }
        }
        var lfs = entry.TryGetProperty("lfs", out var l) && l.ValueKind == JsonValueKind.Object ? l : (JsonElement?)null;
        var sha256 = lfs is { } lfsEntry ? Text(lfsEntry, "oid") : null;
        var oid = Text(entry, "oid");
        long size = -1;
        if (entry.TryGetProperty("size", out var sizeElement) && sizeElement.ValueKind == JsonValueKind.Number && sizeElement.TryGetInt64(out var parsed))
            size = parsed;
        problem ??= size < 0 ? "has no size of 0 or more bytes"
            : sha256 is not null && !Sha256Pattern().IsMatch(sha256) ? $"has an LFS oid '{sha256}' that is not a SHA-256"
            : oid is not null && !GitOidPattern().IsMatch(oid) ? $"has an oid '{oid}' that is not a git blob id"
            : sha256 is null && oid is null ? "has neither an oid nor an LFS oid" : null;
        if (problem is not null)
            throw new HubException(HubErrorKind.InvalidResponse, $"An entry of the file list of {repo} from {url.GetLeftPart(UriPartial.Path)} {problem}.");
        // A Xet hash is only handed on to the tree cache, which refuses a malformed (or redacted) one, as Python's does.
        var xetHash = Text(entry, "xetHash") is { } xet ? (xet.Length <= 128 ? xet : "") : null;
        return new HubRepoFile(path!, size, oid?.ToLowerInvariant(), sha256?.ToLowerInvariant(), xetHash);
    }

    /// <summary>A bounded GET of an API answer, parsed as JSON, with the next page's URL from a same-origin Link: rel="next".</summary>
    private async Task<(JsonDocument Document, Uri? Next)> GetJsonAsync(Uri url, HubRepo repo, string revision, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, url, rangeFrom: 0);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        using var response = await SendAsync(request, Options.MetadataTimeout, "HF_HUB_ETAG_TIMEOUT", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
            throw ErrorFor(response, repo, revision, "(the file list)", url);
        if (response.Content.Headers.ContentLength > MaxApiResponseBytes)
            throw new HubException(HubErrorKind.InvalidResponse, $"The answer from {url.GetLeftPart(UriPartial.Path)} announces {response.Content.Headers.ContentLength} bytes; at most {MaxApiResponseBytes} are read.");

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Options.ReadTimeout * 6);
        var buffer = new MemoryStream();
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(limit.Token).ConfigureAwait(false);
            var chunk = new byte[1 << 16];
            int read;
            while ((read = await body.ReadAsync(chunk, limit.Token).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxApiResponseBytes)
                    throw new HubException(HubErrorKind.InvalidResponse, $"The answer from {url.GetLeftPart(UriPartial.Path)} runs past {MaxApiResponseBytes} bytes; it is not read.");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The answer from {url.GetLeftPart(UriPartial.Path)} did not finish within {(Options.ReadTimeout * 6).TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new TransferInterruptedException($"The connection dropped while reading {url.GetLeftPart(UriPartial.Path)}.", e);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new HubException(HubErrorKind.InvalidResponse, $"The answer from {url.GetLeftPart(UriPartial.Path)} is not JSON ({e.Message}); check HF_ENDPOINT.");
        }
        return (document, NextPage(response, url));
    }

    /// <summary>utils/_pagination.py: the "next" link of the Link header; only on the endpoint's own origin, where the token may go.</summary>
    private Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.NonValidated.TryGetValues("Link", out var values))
            return null;
        foreach (var value in values)
        {
            foreach (Match link in LinkPattern().Matches(value))
            {
                if (link.Groups["rel"].Value != "next")
                    continue;
                var next = new Uri(current, link.Groups["url"].Value);
                if (next.Scheme is not ("http" or "https") || !IsEndpointOrigin(next))
                    throw new HubException(HubErrorKind.InvalidResponse, $"The file list's next page is at {next.GetLeftPart(UriPartial.Path)}, not on {Options.Endpoint}; it is not followed.");
                return next;
            }
        }
        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex GitOidPattern();

    [GeneratedRegex(@"<(?<url>[^>]*)>\s*;\s*rel=""?(?<rel>[^"";,\s]+)""?")]
    private static partial Regex LinkPattern();
}
