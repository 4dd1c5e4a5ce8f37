using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using Polly;
using Polly.Retry;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// Downloads model files from the Hugging Face Hub into the cache that Python's huggingface_hub uses, with the same
/// layout, ref handling and offline fallback as <c>hf_hub_download</c>, plus resume, locking and integrity checks.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    private const int MaxRedirects = 10;
    private const long ReportEveryBytes = 1 << 20;
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(1);
    private static readonly string UserAgent =
        $"ImdbExperiments/{typeof(HubClient).Assembly.GetName().Version}; hf_hub-compatible; dotnet/{Environment.Version}";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline _retry;
    private readonly Uri _endpoint;

    /// <param name="options">Usually <see cref="HubOptions.FromEnvironment()"/>.</param>
    /// <param name="httpClient">
    /// Optional shared client. Its handler must not follow redirects (see <see cref="CreateHandler"/>): the Hub's
    /// metadata lives on the redirect response itself. Its Timeout should be infinite; the client applies its own.
    /// </param>
    public HubClient(HubOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new ArgumentException($"Hub endpoint '{options.Endpoint}' is not an http(s) URL; check HF_ENDPOINT.", nameof(options));
        Options = options;
        Cache = new HubCache(options.CacheDirectory);
        _endpoint = endpoint;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
        _retry = BuildRetryPipeline(options);
    }

    public HubOptions Options { get; }

    public HubCache Cache { get; }

    /// <summary>A handler suited to the Hub: no automatic redirects, no decompression (sizes and hashes are of the raw bytes).</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    /// <summary>
    /// Like <c>hf_hub_download</c>: returns <c>{cache}/models--org--name/snapshots/{commit}/{fileName}</c>, downloading the
    /// file unless the cache already has it. A branch or tag is looked up on the Hub (and recorded in refs/); a full commit
    /// hash that is cached needs no network. Offline, or when the Hub cannot be reached, the cache answers alone.
    /// </summary>
    public Task<string> DownloadFileAsync(
        string repoId, string revision, string fileName, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default) =>
        DownloadFileAsync(HubRepo.Model(repoId), revision, fileName, progress, cancellationToken);

    /// <summary>
    /// <c>hf_hub_download</c> for any repo type: a dataset's file lives at <c>{endpoint}/datasets/{id}/resolve/{revision}/{file}</c>
    /// and is cached under <c>datasets--org--name</c>.
    /// </summary>
    public async Task<string> DownloadFileAsync(
        HubRepo repo, string revision, string fileName, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repo);
        HubCache.ValidateRepoId(repo.Id);
        HubCache.ValidateRevision(revision);
        HubCache.ValidateFileName(fileName);

        if (Options.Offline)
        {
            return FromCache(repo, revision, [fileName])?.CachedPath
                ?? throw NotCached(repo, revision, [fileName], OfflineReason, cause: null);
        }

        var resolution = await ResolveOnlineAsync(repo, revision, pinnedCommit: null, fileName, cancellationToken).ConfigureAwait(false);
        if (resolution.CachedPath is { } cached)
            return cached;
        if (resolution.Remote is not { } remote)
            throw NotCached(repo, revision, [fileName], UnreachableReason(resolution.Unreachable!), resolution.Unreachable);

        var reporter = new ProgressReporter(progress, remote.Size);
        var path = await FetchAsync(revision, remote, reporter.Report, cancellationToken).ConfigureAwait(false);
        reporter.Finish(remote.Size);
        return path;
    }

    /// <summary>
    /// Like <c>snapshot_download</c> restricted to the given files: every file comes from one commit (the first file
    /// resolves the revision; the rest are fetched at that commit). Returns the snapshot folder, whose name is the commit.
    /// Specs use <see cref="HubFileSpec.Parse"/> syntax: "model.safetensors|pytorch_model.bin", "tokenizer_config.json?".
    /// </summary>
    public Task<string> DownloadModelAsync(
        string repoId, string revision, IReadOnlyList<string> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        return DownloadModelAsync(repoId, revision, files.Select(HubFileSpec.Parse).ToArray(), progress, cancellationToken);
    }

    /// <inheritdoc cref="DownloadModelAsync(string, string, IReadOnlyList{string}, IProgress{TransferProgress}?, CancellationToken)"/>
    public async Task<string> DownloadModelAsync(
        string repoId, string revision, IReadOnlyList<HubFileSpec> files, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        HubCache.ValidateRepoId(repoId);
        var repo = HubRepo.Model(repoId);
        HubCache.ValidateRevision(revision);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
            throw new ArgumentException($"No files requested from Hub model '{repoId}'; name at least one, e.g. config.json.", nameof(files));
        foreach (var candidate in files.SelectMany(spec => spec.Candidates))
            HubCache.ValidateFileName(candidate);

        var commit = HubCache.IsCommitHash(revision) ? revision : null;
        // Once the Hub proves unreachable the remaining files come from the cache, as snapshot_download does.
        Exception? unreachable = null;
        var wentOnline = false;
        var resolved = new List<Resolution>();
        foreach (var spec in files)
        {
            var online = !Options.Offline && unreachable is null;
            Resolution? found = null;
            if (online)
            {
                foreach (var candidate in spec.Candidates)
                {
                    Resolution attempt;
                    try
                    {
                        attempt = await ResolveOnlineAsync(repo, revision, commit, candidate, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HubException e) when (e.Kind == HubErrorKind.EntryNotFound)
                    {
                        wentOnline = true;
                        continue;
                    }
                    wentOnline |= attempt.Unreachable is null;
                    unreachable ??= attempt.Unreachable;
                    if (attempt.CachedPath is not null || attempt.Remote is not null)
                        found = attempt;
                    break;
                }
                online = unreachable is null;
            }
            if (found is null && !online)
                found = FromCache(repo, commit ?? revision, spec.Candidates);
            if (found is null)
            {
                if (spec.Optional)
                    continue;
                if (!online)
                {
                    var reason = unreachable is null ? OfflineReason : UnreachableReason(unreachable);
                    throw NotCached(repo, revision, spec.Candidates, reason, unreachable);
                }
                throw new HubException(
                    HubErrorKind.EntryNotFound,
                    $"None of {Quote(spec.Candidates)} exists in Hub model '{repoId}' at revision '{revision}'" +
                    (commit is null || commit == revision ? "" : $" (commit {commit})") +
                    ". Check the file names on the model page, or mark the file optional with a trailing '?'.");
            }
            commit ??= found.Commit;
            resolved.Add(found);
        }

        if (commit is null)
        {
            throw new HubException(
                HubErrorKind.EntryNotFound,
                $"None of the requested files ({string.Join(", ", files)}) exists in Hub model '{repoId}' at revision '{revision}'.");
        }
        if (wentOnline)
            TryWriteRef(repo, revision, commit);

        var downloads = resolved.Where(r => r.Remote is not null).Select(r => r.Remote!).ToList();
        var reporter = new ProgressReporter(progress, downloads.Sum(d => d.Size));
        long done = 0;
        foreach (var remote in downloads)
        {
            var before = done;
            await FetchAsync(revision, remote, fileBytes => reporter.Report(before + fileBytes), cancellationToken).ConfigureAwait(false);
            done += remote.Size;
        }
        reporter.Finish(done);

        var snapshot = Cache.SnapshotFolder(repo, commit);
        Directory.CreateDirectory(snapshot);
        return snapshot;
    }

    public void Dispose()
    {
        if (_ownsHttp)
            _http.Dispose();
    }

    private const string OfflineReason = "offline mode is on (HF_HUB_OFFLINE)";

    private string UnreachableReason(Exception cause) => $"the Hub at {Options.Endpoint} could not be used ({cause.Message})";

    /// <summary>
    /// hf_hub_download's decision: a cached commit needs nothing; otherwise ask the Hub (HEAD) and, if that fails for any
    /// reason other than "no such file/revision", fall back to the cache, retrying with backoff only when nothing is cached.
    /// </summary>
    private async Task<Resolution> ResolveOnlineAsync(
        HubRepo repo, string revision, string? pinnedCommit, string fileName, CancellationToken cancellationToken)
    {
        var urlRevision = pinnedCommit ?? revision;
        if (HubCache.IsCommitHash(urlRevision) && Cache.TryGetFile(repo, urlRevision, fileName) is { } pinned)
            return new Resolution(urlRevision, pinned, Remote: null, Unreachable: null);

        RemoteFile remote;
        try
        {
            remote = await HeadAsync(repo, urlRevision, fileName, cancellationToken).ConfigureAwait(false);
        }
        catch (HubException e) when (e.Kind is HubErrorKind.EntryNotFound or HubErrorKind.RevisionNotFound)
        {
            if (e.Kind == HubErrorKind.EntryNotFound && e.RepoCommit is { } missingAt && IsSafePathPart(missingAt))
            {
                Cache.MarkMissing(repo, missingAt, fileName);
                TryWriteRef(repo, revision, missingAt);
            }
            throw;
        }
        catch (Exception e) when (CanFallBack(e, cancellationToken))
        {
            if (FromCache(repo, urlRevision, [fileName]) is { } cached)
                return cached with { Unreachable = e };
            if (!IsTransient(e))
                ExceptionDispatchInfo.Throw(e);
            try
            {
                remote = await _retry.ExecuteAsync(
                    token => new ValueTask<RemoteFile>(HeadAsync(repo, urlRevision, fileName, token)), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception retryError) when (IsTransient(retryError) && !cancellationToken.IsCancellationRequested)
            {
                return new Resolution(Commit: null, CachedPath: null, Remote: null, Unreachable: retryError);
            }
        }

        var pointer = Cache.PointerPath(repo, remote.Commit, fileName);
        if (HubCache.IsUsableFile(pointer))
        {
            TryWriteRef(repo, revision, remote.Commit);
            return new Resolution(remote.Commit, pointer, Remote: null, Unreachable: null);
        }
        return new Resolution(remote.Commit, CachedPath: null, remote, Unreachable: null);
    }

    private Resolution? FromCache(HubRepo repo, string revision, IReadOnlyList<string> candidates)
    {
        if (Cache.ResolveCommit(repo, revision) is not { } commit)
            return null;
        foreach (var candidate in candidates)
        {
            if (Cache.TryGetFile(repo, commit, candidate) is { } path)
                return new Resolution(commit, path, Remote: null, Unreachable: null);
        }
        return null;
    }

    /// <summary>HEAD on /resolve/, following only same-host redirects (renamed repos), reading the metadata off the last answer.</summary>
    private async Task<RemoteFile> HeadAsync(HubRepo repo, string revision, string fileName, CancellationToken cancellationToken)
    {
        var url = FileUrl(repo, revision, fileName);
        for (var hop = 0; ; hop++)
        {
            using var request = NewRequest(HttpMethod.Head, url, rangeFrom: 0);
            using var response = await SendAsync(request, Options.MetadataTimeout, "HF_HUB_ETAG_TIMEOUT", cancellationToken).ConfigureAwait(false);
            var location = Header(response, "Location");
            var isRedirect = IsRedirect(response.StatusCode) && location is not null;
            if (isRedirect && !IsAbsoluteHttpUrl(location!))
            {
                if (hop >= MaxRedirects)
                    throw TooManyRedirects(url);
                url = new Uri(url, location);
                continue;
            }
            if (!isRedirect && !response.IsSuccessStatusCode)
                throw ErrorFor(response, repo, revision, fileName, url);

            var commit = Header(response, "X-Repo-Commit");
            var etag = NormalizeEtag(Header(response, "X-Linked-Etag") ?? Header(response, "ETag"));
            var size = ParseSize(Header(response, "X-Linked-Size")) ?? (isRedirect ? null : response.Content.Headers.ContentLength);
            var missing = commit is null ? "X-Repo-Commit" : etag is null ? "ETag" : size is null ? "X-Linked-Size or Content-Length" : null;
            if (missing is not null)
            {
                throw new HubException(
                    HubErrorKind.InvalidResponse,
                    $"The answer from {url} for '{fileName}' of {repo} has no {missing} header, so it does not come from a Hugging Face Hub. " +
                    "Check HF_ENDPOINT and any proxy or firewall between here and the Hub.",
                    (int)response.StatusCode);
            }
            if (!IsSafePathPart(commit!) || !IsSafePathPart(etag!))
            {
                throw new HubException(
                    HubErrorKind.InvalidResponse,
                    $"The Hub answered for '{fileName}' of {repo} with commit '{commit}' and ETag '{etag}', which cannot name cache entries.");
            }
            return new RemoteFile(repo, fileName, isRedirect ? new Uri(location!) : url, etag!, commit!, size!.Value);
        }
    }

    private async Task<string> FetchAsync(string revision, RemoteFile remote, Action<long> reportFileBytes, CancellationToken cancellationToken)
    {
        var blob = Cache.BlobPath(remote.Repo, remote.Etag);
        var pointer = Cache.PointerPath(remote.Repo, remote.Commit, remote.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        Cache.EnsureCacheDirTag();
        Cache.WriteRef(remote.Repo, revision, remote.Commit);

        // Same lock path as huggingface_hub, so a Python process and this one take turns on a blob.
        using (await HubFileLock.AcquireAsync(Cache.LockPath(remote.Repo, remote.Etag), cancellationToken).ConfigureAwait(false))
        {
            if (File.Exists(blob))
                reportFileBytes(remote.Size);
            else
                await DownloadBlobAsync(remote, blob, reportFileBytes, cancellationToken).ConfigureAwait(false);
            if (!HubCache.IsUsableFile(pointer))
                HubCache.LinkPointer(blob, pointer, Options.DisableSymlinks);
        }
        return pointer;
    }

    private async Task DownloadBlobAsync(RemoteFile remote, string blob, Action<long> reportFileBytes, CancellationToken cancellationToken)
    {
        var partial = blob + ".incomplete";
        await _retry.ExecuteAsync(
            token => new ValueTask(DownloadAttemptAsync(remote, partial, reportFileBytes, token)), cancellationToken).ConfigureAwait(false);

        if (Options.VerifyIntegrity &&
            await BlobIntegrity.ComputeMatchingHashAsync(partial, remote.Etag, cancellationToken).ConfigureAwait(false) is { } actual &&
            !string.Equals(actual, remote.Etag, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(partial);
            throw new HubException(
                HubErrorKind.IntegrityMismatch,
                $"'{remote.FileName}' of {remote.Repo} (commit {remote.Commit}) failed its integrity check: the ETag promises " +
                $"{BlobIntegrity.Describe(remote.Etag)} {remote.Etag} but the downloaded bytes hash to {actual}. The partial download was deleted; " +
                "run again, and if it repeats check HF_ENDPOINT and any proxy that could alter downloads.");
        }
        File.Move(partial, blob, overwrite: true);
    }

    /// <summary>One GET into blobs/{etag}.incomplete, continuing from its current length with a Range request.</summary>
    private async Task DownloadAttemptAsync(RemoteFile remote, string partial, Action<long> reportFileBytes, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        var have = file.Length;
        if (have > remote.Size)
        {
            file.SetLength(0);
            have = 0;
        }
        reportFileBytes(have);
        if (have == remote.Size)
            return;

        using var response = await SendGetAsync(remote, have, cancellationToken).ConfigureAwait(false);
        if (have > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            file.SetLength(0);
            throw new TransferInterruptedException($"The server refused to resume '{remote.FileName}' at byte {have}; starting over.");
        }
        if (!response.IsSuccessStatusCode)
            throw ErrorFor(response, remote.Repo, remote.Commit, remote.FileName, remote.Url);
        if (have > 0 && response.StatusCode == HttpStatusCode.OK)
        {
            // The server ignored the Range header and sends everything again.
            file.SetLength(0);
            have = 0;
            reportFileBytes(0);
        }
        else if (response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From != have)
        {
            file.SetLength(0);
            throw new TransferInterruptedException(
                $"Asked to resume '{remote.FileName}' at byte {have} but the server sent {response.Content.Headers.ContentRange}; starting over.");
        }

        file.Seek(have, SeekOrigin.Begin);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var buffer = new byte[1 << 16];
        while (true)
        {
            readTimeout.CancelAfter(Options.ReadTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, readTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"No data for '{remote.FileName}' from {remote.Url.GetLeftPart(UriPartial.Path)} within {Options.ReadTimeout.TotalSeconds:0.#} s " +
                    $"(HF_HUB_DOWNLOAD_TIMEOUT) after {have} of {remote.Size} bytes.");
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new TransferInterruptedException($"The connection dropped after {have} of {remote.Size} bytes of '{remote.FileName}'.", e);
            }
            if (read == 0)
                break;
            if (have + read > remote.Size)
            {
                file.SetLength(0);
                throw new HubException(
                    HubErrorKind.IntegrityMismatch,
                    $"The server sent more than the {remote.Size} bytes the Hub announced for '{remote.FileName}' of {remote.Repo} (commit {remote.Commit}).");
            }
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            have += read;
            reportFileBytes(have);
        }
        if (have < remote.Size)
            throw new TransferInterruptedException($"The download of '{remote.FileName}' ended after {have} of {remote.Size} bytes.");
    }

    /// <summary>GET following every redirect (the CDN is on another host, so the token stays behind).</summary>
    private async Task<HttpResponseMessage> SendGetAsync(RemoteFile remote, long rangeFrom, CancellationToken cancellationToken)
    {
        var url = remote.Url;
        for (var hop = 0; ; hop++)
        {
            using var request = NewRequest(HttpMethod.Get, url, rangeFrom);
            var response = await SendAsync(request, Options.ReadTimeout, "HF_HUB_DOWNLOAD_TIMEOUT", cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || Header(response, "Location") is not { } location)
                return response;
            response.Dispose();
            if (hop >= MaxRedirects)
                throw TooManyRedirects(remote.Url);
            url = new Uri(url, location);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, TimeSpan timeout, string timeoutVariable, CancellationToken cancellationToken)
    {
        var sentTo = request.RequestUri!;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"No answer from {sentTo.GetLeftPart(UriPartial.Path)} within {timeout.TotalSeconds:0.#} s ({timeoutVariable}).");
        }
        if (request.RequestUri != sentTo)
        {
            response.Dispose();
            throw new InvalidOperationException(
                "The HttpClient given to HubClient follows redirects by itself, which hides the Hub's file metadata. " +
                "Build it on HubClient.CreateHandler() or a handler with AllowAutoRedirect = false.");
        }
        return response;
    }

    private HttpRequestMessage NewRequest(HttpMethod method, Uri url, long rangeFrom)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        // Sizes and hashes are of the stored bytes, never of a compressed transfer.
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        if (Options.Token is { } token && IsEndpointOrigin(url))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (rangeFrom > 0)
            request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
        return request;
    }

    private bool IsEndpointOrigin(Uri url) =>
        Uri.Compare(url, _endpoint, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>{endpoint}/[datasets/]{id}/resolve/{revision}/{file}: the revision escaped whole (refs/pr/1 becomes refs%2Fpr%2F1), the file per segment.</summary>
    private Uri FileUrl(HubRepo repo, string revision, string fileName) =>
        new($"{Options.Endpoint}/{repo.UrlPrefix}{repo.Id}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString))}");

    private HubException ErrorFor(HttpResponseMessage response, HubRepo repo, string revision, string fileName, Uri url)
    {
        var status = (int)response.StatusCode;
        var errorCode = Header(response, "X-Error-Code");
        var serverMessage = Header(response, "X-Error-Message");
        var detail = $"{status} {response.ReasonPhrase} from {url.GetLeftPart(UriPartial.Path)}" + (serverMessage is null ? "" : $": {serverMessage}");
        var subject = $"'{fileName}' of {repo} at revision '{revision}'";
        var tokenNote = Options.Token is null
            ? "no token was sent (set HF_TOKEN, or log in with `huggingface-cli login`)"
            : $"the token from {Options.TokenSource ?? "the options"} was sent";

        (HubErrorKind Kind, string Message) error = errorCode switch
        {
            "RevisionNotFound" => (HubErrorKind.RevisionNotFound,
                $"Revision '{revision}' does not exist in {repo} ({detail}). Use a branch, tag or full commit hash of that repository."),
            "EntryNotFound" => (HubErrorKind.EntryNotFound,
                $"File '{fileName}' does not exist in {repo} at revision '{revision}' ({detail})."),
            "GatedRepo" => (HubErrorKind.GatedRepository,
                $"{repo} is gated: accept its conditions at {Options.Endpoint}/{repo.UrlPrefix}{repo.Id} while logged in, and set HF_TOKEN to a token of that account; {tokenNote} ({detail})."),
            "RepoNotFound" => RepositoryNotFound(),
            _ when status == 401 && serverMessage == "Invalid credentials in Authorization header" => (HubErrorKind.InvalidToken,
                $"The Hub rejected the token from {Options.TokenSource ?? "the options"} while fetching {subject} ({detail}). Replace it with a valid token (HF_TOKEN or `huggingface-cli login`)."),
            _ when status == 401 => RepositoryNotFound(),
            _ when status == 403 => (HubErrorKind.Forbidden,
                $"Access to {subject} is forbidden and {tokenNote}; make sure the token has read access to this repository ({detail})."),
            _ when status == 429 => (HubErrorKind.RateLimited, $"The Hub is rate-limiting requests for {subject} ({detail}). Wait and run again, or set HF_TOKEN for a higher limit."),
            _ when status >= 500 => (HubErrorKind.ServerError, $"The Hub failed to serve {subject} ({detail}). Run again later."),
            _ => (HubErrorKind.HttpError, $"Fetching {subject} failed ({detail})."),
        };
        return new HubException(error.Kind, error.Message, status)
        {
            RepoCommit = Header(response, "X-Repo-Commit"),
            RetryAfter = response.Headers.RetryAfter?.Delta,
        };

        (HubErrorKind, string) RepositoryNotFound() => (HubErrorKind.RepositoryNotFound,
            $"{repo} was not found, or it is private or gated and {tokenNote} ({detail}). " +
            "Check the repo id; for a private or gated model set HF_TOKEN to a token with access to it.");
    }

    private HubException NotCached(HubRepo repo, string revision, IReadOnlyList<string> candidates, string reason, Exception? cause)
    {
        var commit = Cache.ResolveCommit(repo, revision);
        var looked = commit is null
            ? $"{Cache.RefPath(repo, revision)} (missing: revision '{revision}' was never downloaded into this cache)"
            : string.Join(", ", candidates.Select(c => Cache.PointerPath(repo, commit, c)));
        var what = candidates.Count == 1
            ? $"'{candidates[0]}' of {repo} at revision '{revision}' is not in the local cache"
            : $"None of {Quote(candidates)} of {repo} at revision '{revision}' is in the local cache";
        return new HubException(
            HubErrorKind.NotCached,
            $"{what}, and {reason}. Looked in: {looked}. To fix: run once with network access; or fill the cache with " +
            $"`huggingface-cli download {repo.Id}{(repo.Type == HubRepoType.Dataset ? " --repo-type dataset" : "")} --revision {revision}` " +
            $"(this cache is {Cache.Root}; HF_HUB_CACHE or HF_HOME select it); " +
            (repo.Type == HubRepoType.Dataset
                ? "or set data.source: files and point data.files at local copies."
                : "or set model.path to a local folder that holds the model files."),
            innerException: cause);
    }

    private void TryWriteRef(HubRepo repo, string revision, string commit)
    {
        try
        {
            Cache.WriteRef(repo, revision, commit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still serves its files; the ref only saves a lookup next time.
        }
    }

    private static ResiliencePipeline BuildRetryPipeline(HubOptions options)
    {
        if (options.MaxRetries <= 0)
            return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                UseJitter = false,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is HubException { RetryAfter: { } wait } ? (TimeSpan?)(wait > MaxRetryAfter ? MaxRetryAfter : wait) : null),
            })
            .Build();
    }

    private static bool IsTransient(Exception e) => e switch
    {
        HubException hub => hub.IsTransient,
        TransferInterruptedException or TimeoutException or HttpRequestException => true,
        _ => false,
    };

    private static bool CanFallBack(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HubException or TimeoutException or HttpRequestException or TransferInterruptedException;

    private static bool IsRedirect(HttpStatusCode status) => (int)status is 301 or 302 or 303 or 307 or 308;

    private static bool IsAbsoluteHttpUrl(string location) =>
        location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;

    // huggingface_hub: etag.lstrip("W/").strip('"'), i.e. weak markers and quotes gone.
    private static string? NormalizeEtag(string? etag) => etag?.TrimStart('W', '/').Trim('"') is { Length: > 0 } clean ? clean : null;

    private static long? ParseSize(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : null;

    private static bool IsSafePathPart(string value) =>
        value is not ("." or "..") && value.IndexOfAny(['/', '\\', ':', '\0']) < 0;

    private static Exception TooManyRedirects(Uri url) =>
        new HubException(HubErrorKind.InvalidResponse, $"More than {MaxRedirects} redirects from {url.GetLeftPart(UriPartial.Path)}; check HF_ENDPOINT and proxies.");

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private sealed record RemoteFile(HubRepo Repo, string FileName, Uri Url, string Etag, string Commit, long Size);

    /// <summary>Either a usable cached path, a file to download, or (both null) an unreachable Hub with nothing cached.</summary>
    private sealed record Resolution(string? Commit, string? CachedPath, RemoteFile? Remote, Exception? Unreachable);

    /// <summary>Throttles reports to one per MiB (plus start and end) so a UI is not flooded.</summary>
    private sealed class ProgressReporter(IProgress<TransferProgress>? sink, long? total)
    {
        private long _last = -1;

        public void Report(long done)
        {
            if (sink is null || done == _last)
                return;
            if (_last < 0 || done < _last || done - _last >= ReportEveryBytes || done == total)
            {
                _last = done;
                sink.Report(new TransferProgress(done, total));
            }
        }

        public void Finish(long done)
        {
            if (sink is not null && done != _last)
            {
                _last = done;
                sink.Report(new TransferProgress(done, total));
            }
        }
    }
}
