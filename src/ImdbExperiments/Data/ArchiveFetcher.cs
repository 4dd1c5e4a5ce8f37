using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;

namespace ImdbExperiments.Data;

/// <summary>
/// Downloads an archive with resume, retries and mirrors, and verifies its size and SHA-256; or verifies a local copy.
/// </summary>
/// <remarks>
/// A download goes to "&lt;destination&gt;.partial" and is published by an atomic rename once verified. An existing
/// .partial (from an interrupted run or attempt) is resumed with "Range: bytes=N-"; the SHA-256 covers the resumed
/// prefix too. Network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and jitter; other
/// 4xx move on to the next URL at once. A size or checksum mismatch deletes the .partial (and nothing else) and moves on
/// to the next URL; when the .partial predates this call, the same URL is first tried once more from scratch.
/// </remarks>
public sealed class ArchiveFetcher : IDisposable
{
    private const int BufferSize = 1 << 16;
    private const long ProgressStep = 1 << 20;
    private const int MaxConnectionRetries = 2; // a refused connection or failed DNS lookup rarely heals by waiting

    private const string OfflineAdvice =
        "set data.archive in the spec or the IMDB_ARCHIVE environment variable to a local copy of aclImdb_v1.tar.gz, or add data.mirrors";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ArchiveFetcherOptions _options;

    /// <param name="httpClient">The client to use (not disposed here); null for an own client without automatic decompression.</param>
    public ArchiveFetcher(HttpClient? httpClient = null, ArchiveFetcherOptions? options = null)
    {
        _options = options ?? new ArchiveFetcherOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetryAttempts, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.RetryBaseDelay, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.ReadTimeout, TimeSpan.Zero, nameof(options));
        if (httpClient is null)
        {
            // Decompression off: Range offsets and the checksum are about the bytes on the wire.
            var handler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(30) };
            _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(100) };
            _ownsHttp = true;
        }
        else
        {
            _http = httpClient;
        }
    }

    /// <summary>
    /// Downloads <paramref name="request"/> to <paramref name="destinationFile"/>, trying its URLs in order. When the
    /// destination already exists with the expected SHA-256 (and size), it is returned without any network access.
    /// </summary>
    /// <exception cref="ArchiveFetchException">Every URL failed; the message lists each with its error, and says how to
    /// run offline.</exception>
    public async Task<FetchResult> DownloadAsync(
        ArchiveDownload request, string destinationFile, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(destinationFile);
        if (request.Urls is null || request.Urls.Count == 0)
        {
            throw new ArgumentException("An archive download needs at least one URL.", nameof(request));
        }

        foreach (var url in request.Urls)
        {
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"Archive URL '{url}' is not an absolute http(s) URL.", nameof(request));
            }
        }

        string? expectedSha256 = NormalizeSha256(request.ExpectedSha256);
        string destination = Path.GetFullPath(destinationFile);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);

        if (expectedSha256 is not null && File.Exists(destination))
        {
            var (sha256, size) = await HashFileAsync(destination, progress, cancellationToken).ConfigureAwait(false);
            if (sha256 == expectedSha256 && (request.ExpectedSize is null || request.ExpectedSize == size))
            {
                return new FetchResult(destination, sha256, size, destination, Downloaded: false);
            }
        }

        var failures = new List<(Uri Url, Exception Error)>();
        foreach (var url in request.Urls)
        {
            try
            {
                return await DownloadFromAsync(url, request.ExpectedSize, expectedSha256, destination, progress, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or HttpStatusFailure or TransientTransferException
                or TimeoutException or ChecksumMismatchException or SizeMismatchException)
            {
                failures.Add((url, ex));
            }
        }

        throw Failure(failures);
    }

    /// <summary>
    /// Hashes a user's archive (never modifying or deleting it) and checks it against <paramref name="expectedSha256"/>
    /// when given.
    /// </summary>
    /// <exception cref="ChecksumMismatchException">The file's SHA-256 is not the expected one.</exception>
    public static async Task<FetchResult> VerifyLocalAsync(
        string archivePath, string? expectedSha256, IProgress<TransferProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        string? expected = NormalizeSha256(expectedSha256);
        string fullPath = Path.GetFullPath(archivePath);
        if (!File.Exists(fullPath) && !Directory.Exists(fullPath))
        {
            throw new FileNotFoundException(
                $"Local archive '{archivePath}' does not exist. Point data.archive / IMDB_ARCHIVE at an existing aclImdb_v1.tar.gz, or unset them to download it.",
                fullPath);
        }
        // A directory, or a device such as /dev/zero that would be hashed forever: refused before it is opened.
        UserFile.RequireRegular(fullPath, "data.archive / IMDB_ARCHIVE");

        var (sha256, size) = await HashFileAsync(fullPath, progress, cancellationToken).ConfigureAwait(false);
        if (expected is not null && sha256 != expected)
        {
            throw new ChecksumMismatchException(fullPath, expected, sha256,
                $"SHA-256 of {fullPath} is {sha256}, but {expected} was expected. It is not the archive the spec pins: " +
                "use the right file, or change the expected SHA-256 if this file is the one you mean.");
        }

        return new FetchResult(fullPath, sha256, size, fullPath, Downloaded: false);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<FetchResult> DownloadFromAsync(
        Uri url, long? expectedSize, string? expectedSha256, string destination, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        string partial = destination + ".partial";
        bool prefixFromEarlier = File.Exists(partial) && new FileInfo(partial).Length > 0;
        var pipeline = RetryPipeline(url);
        while (true)
        {
            var (sha256, size) = await pipeline.ExecuteAsync(
                    token => AttemptAsync(url, partial, expectedSize, progress, token), cancellationToken)
                .ConfigureAwait(false);
            try
            {
                if (expectedSize is { } expected && size != expected)
                {
                    throw new SizeMismatchException($"The download from {url} is {size} bytes, but {expected} bytes were expected.");
                }

                if (expectedSha256 is not null && sha256 != expectedSha256)
                {
                    throw new ChecksumMismatchException(url.ToString(), expectedSha256, sha256,
                        $"SHA-256 of the download from {url} is {sha256}, but {expectedSha256} was expected.");
                }
            }
            catch (Exception ex) when (ex is SizeMismatchException or ChecksumMismatchException)
            {
                File.Delete(partial);
                if (prefixFromEarlier)
                {
                    // The bytes resumed from an earlier run may be the bad part: give this URL one clean try.
                    prefixFromEarlier = false;
                    _options.OnRetry?.Invoke($"{ex.Message} The resumed part came from an earlier attempt; downloading {url} again from the start.");
                    continue;
                }

                throw;
            }

            File.Move(partial, destination, overwrite: true);
            return new FetchResult(destination, sha256, size, url.ToString(), Downloaded: true);
        }
    }

    /// <summary>One request: resumes the .partial when it has bytes, appends the body, returns the SHA-256 and size.</summary>
    private async ValueTask<(string Sha256, long Size)> AttemptAsync(
        Uri url, string partial, long? expectedSize, IProgress<TransferProgress>? progress, CancellationToken token)
    {
        await using var file = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long offset = file.Length;
            if (expectedSize is { } size && offset > size)
            {
                file.SetLength(offset = 0);
            }

            if (offset > 0 && offset == expectedSize)
            {
                await HashPrefixAsync(file, offset, hash, buffer, token).ConfigureAwait(false);
                return (Convert.ToHexStringLower(hash.GetHashAndReset()), offset);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (offset > 0)
            {
                request.Headers.Range = new RangeHeaderValue(offset, null);
            }

            using var response = await SendAsync(request, token).ConfigureAwait(false);
            long? total;
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent when offset > 0:
                    var range = response.Content.Headers.ContentRange;
                    if (range?.From != offset)
                    {
                        file.SetLength(0);
                        throw new TransientTransferException($"{url} answered a request for bytes {offset}- with range '{range}'; starting over.");
                    }

                    total = range.Length;
                    await HashPrefixAsync(file, offset, hash, buffer, token).ConfigureAwait(false);
                    break;
                case HttpStatusCode.OK:
                    if (offset > 0)
                    {
                        file.SetLength(offset = 0); // the server ignored Range: take the whole body
                    }

                    total = response.Content.Headers.ContentLength;
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable when offset > 0:
                    long? length = response.Content.Headers.ContentRange?.Length;
                    if (length == offset)
                    {
                        // The .partial already holds the whole file.
                        await HashPrefixAsync(file, offset, hash, buffer, token).ConfigureAwait(false);
                        return (Convert.ToHexStringLower(hash.GetHashAndReset()), offset);
                    }

                    file.SetLength(0);
                    throw new TransientTransferException(
                        $"{url} cannot resume at byte {offset} (416; it has {length?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number of"} bytes); starting over.");
                default:
                    throw HttpStatusFailure.From(url, response);
            }

            file.Position = offset;
            progress?.Report(new TransferProgress(offset, total));
            long reported = offset;
            await using var body = await ReadBodyAsync(url, response, token).ConfigureAwait(false);
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(token);
            while (true)
            {
                stall.CancelAfter(_options.ReadTimeout);
                int n;
                try
                {
                    n = await body.ReadAsync(buffer.AsMemory(0, BufferSize), stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException ex) when (!token.IsCancellationRequested)
                {
                    throw new TransientTransferException($"{url} sent no data for {_options.ReadTimeout.TotalSeconds:0.#} s after {offset} bytes.", ex);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new TransientTransferException($"The connection to {url} broke after {offset} bytes: {ex.Message}", ex);
                }

                if (n == 0)
                {
                    break;
                }

                await file.WriteAsync(buffer.AsMemory(0, n), token).ConfigureAwait(false);
                hash.AppendData(buffer, 0, n);
                offset += n;
                if (offset - reported >= ProgressStep)
                {
                    progress?.Report(new TransferProgress(offset, total));
                    reported = offset;
                }
            }

            if (total is { } t && offset != t)
            {
                throw new TransientTransferException($"{url} ended the transfer at byte {offset} of {t}.");
            }

            await file.FlushAsync(token).ConfigureAwait(false);
            progress?.Report(new TransferProgress(offset, total ?? offset));
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), offset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken token)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!token.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.RequestUri} did not answer within {_http.Timeout.TotalSeconds:0.#} s.", ex);
        }
    }

    private static async Task<Stream> ReadBodyAsync(Uri url, HttpResponseMessage response, CancellationToken token)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new TransientTransferException($"The connection to {url} broke before the body: {ex.Message}", ex);
        }
    }

    private static async Task HashPrefixAsync(FileStream file, long length, IncrementalHash hash, byte[] buffer, CancellationToken token)
    {
        file.Position = 0;
        long left = length;
        while (left > 0)
        {
            int n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, left)), token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException($"{file.Name} became shorter while it was being resumed.");
            }

            hash.AppendData(buffer, 0, n);
            left -= n;
        }
    }

    private static async Task<(string Sha256, long Size)> HashFileAsync(string path, IProgress<TransferProgress>? progress, CancellationToken token)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize * 16);
        try
        {
            long total = file.Length, done = 0, reported = 0;
            progress?.Report(new TransferProgress(0, total));
            int n;
            while ((n = await file.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                done += n;
                if (done - reported >= ProgressStep)
                {
                    progress?.Report(new TransferProgress(done, total));
                    reported = done;
                }
            }

            progress?.Report(new TransferProgress(done, total));
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), done);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ResiliencePipeline RetryPipeline(Uri url)
    {
        if (_options.MaxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception switch
                {
                    HttpRequestException e when IsConnectionFailure(e) => args.AttemptNumber < MaxConnectionRetries,
                    HttpRequestException or TransientTransferException or TimeoutException => true,
                    HttpStatusFailure e => e.Retryable,
                    _ => false,
                }),
                MaxRetryAttempts = _options.MaxRetryAttempts,
                Delay = _options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is HttpStatusFailure { RetryAfter: { } after }
                        ? (TimeSpan?)(after < _options.MaxRetryAfter ? after : _options.MaxRetryAfter)
                        : null),
                OnRetry = args =>
                {
                    _options.OnRetry?.Invoke(
                        $"{url}: {args.Outcome.Exception?.Message} Retry {args.AttemptNumber + 1} in {args.RetryDelay.TotalSeconds:0.#} s.");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is HttpRequestException h
        && (h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            || h.InnerException is SocketException);

    private static ArchiveFetchException Failure(List<(Uri Url, Exception Error)> failures)
    {
        string tried = string.Concat(failures.Select(f => $"\n  {f.Url}: {f.Error.Message}"));
        bool noNetwork = failures.All(f => IsConnectionFailure(f.Error));
        string message = noNetwork
            ? $"Cannot download the IMDb archive: none of its URLs can be reached from this machine (no network?). Tried:{tried}\n" +
              $"To work offline, {OfflineAdvice}."
            : $"Could not get a verified archive from any of {failures.Count} URL(s):{tried}\n" +
              $"To use another copy, {OfflineAdvice}.";
        return new ArchiveFetchException(message, noNetwork, failures.Select(f => f.Error).ToList());
    }

    private static string? NormalizeSha256(string? sha256)
    {
        if (sha256 is null)
        {
            return null;
        }

        string normalized = sha256.Trim().ToLowerInvariant();
        if (normalized.Length != 64 || !normalized.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"Expected SHA-256 '{sha256}' is not 64 hexadecimal digits.", nameof(sha256));
        }

        return normalized;
    }

    /// <summary>A failure that another attempt at the same URL may not repeat (dropped connection, stall, bad resume).</summary>
    private sealed class TransientTransferException(string message, Exception? inner = null) : IOException(message, inner);

    private sealed class SizeMismatchException(string message) : IOException(message);

    /// <summary>An HTTP status that is not a success; 408, 429 and 5xx may be retried.</summary>
    private sealed class HttpStatusFailure(string message, bool retryable, TimeSpan? retryAfter) : Exception(message)
    {
        public bool Retryable { get; } = retryable;

        public TimeSpan? RetryAfter { get; } = retryAfter;

        public static HttpStatusFailure From(Uri url, HttpResponseMessage response)
        {
            int status = (int)response.StatusCode;
            bool retryable = status is 408 or 429 or >= 500;
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date - DateTimeOffset.UtcNow,
                _ => (TimeSpan?)null,
            };
            return new HttpStatusFailure(
                $"{url} answered {status} {response.ReasonPhrase}{(retryable ? "" : " (not retried)")}.",
                retryable,
                retryAfter is { } r && r > TimeSpan.Zero ? r : null);
        }
    }
}
