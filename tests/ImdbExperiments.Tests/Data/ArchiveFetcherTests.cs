using System.Security.Cryptography;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

public sealed class ArchiveFetcherTests : IDisposable
{
    private static readonly ArchiveFetcherOptions FastRetries = new()
    {
        MaxRetryAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        ReadTimeout = TimeSpan.FromSeconds(2),
    };

    private readonly TempFolder _temp = new();
    private readonly byte[] _content = RandomBytes(3 * 1024 * 1024 + 123, seed: 1);
    private readonly string _sha256;

    public ArchiveFetcherTests()
    {
        _sha256 = Sha256(_content);
    }

    public void Dispose() => _temp.Dispose();

    private string Destination => _temp.Combine("archive.tar.gz");

    private string Partial => Destination + ".partial";

    [Fact]
    public async Task Download_WritesVerifiedFileAndRemovesPartial()
    {
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);
        var progress = new RecordingProgress();

        var result = await fetcher.DownloadAsync(
            new ArchiveDownload([server.Url("/a.tar.gz")], _sha256, _content.Length), Destination, progress);

        Assert.Equal(_content, File.ReadAllBytes(Destination));
        Assert.False(File.Exists(Partial));
        Assert.Equal(new FetchResult(Destination, _sha256, _content.Length, server.Url("/a.tar.gz").ToString(), true), result);
        Assert.Equal(new TransferProgress(_content.Length, _content.Length), progress.Reports[^1]);
        Assert.Null(Assert.Single(server.Requests).Range);
    }

    [Fact]
    public async Task Download_ResumesExistingPartialWithRangeRequest()
    {
        int half = _content.Length / 2;
        File.WriteAllBytes(Partial, _content[..half]);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal($"bytes={half}-", Assert.Single(server.Requests).Range);
        Assert.Equal(_content, File.ReadAllBytes(Destination));
        Assert.Equal(_sha256, result.Sha256);
    }

    [Fact]
    public async Task Download_ResumesAfterConnectionDropsHalfWay()
    {
        int cut = _content.Length / 2 + 777;
        await using var server = new LocalHttpServer(r => r.Attempt == 1
            ? new LocalHttpResponse(200, _content) { DropAfter = cut }
            : LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256, _content.Length), Destination);

        Assert.Equal([null, $"bytes={cut}-"], server.Requests.Select(r => r.Range));
        Assert.Equal(_content, File.ReadAllBytes(Destination));
        Assert.Equal(_sha256, result.Sha256);
    }

    [Fact]
    public async Task Download_StartsOverWhenServerIgnoresRange()
    {
        File.WriteAllBytes(Partial, _content[..1000]);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r, honourRange: false));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal("bytes=1000-", Assert.Single(server.Requests).Range);
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_PublishesCompletePartialWhenServerAnswers416()
    {
        File.WriteAllBytes(Partial, _content);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal($"bytes={_content.Length}-", Assert.Single(server.Requests).Range);
        Assert.Equal(_content, File.ReadAllBytes(Destination));
        Assert.True(result.Downloaded);
    }

    [Fact]
    public async Task Download_RestartsFromScratchWhenResumedPrefixIsCorrupt()
    {
        var corrupt = _content[..5000];
        corrupt[10] ^= 0xFF;
        File.WriteAllBytes(Partial, corrupt);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal(["bytes=5000-", null], server.Requests.Select(r => r.Range));
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_RetriesServerErrorsThenSucceeds()
    {
        await using var server = new LocalHttpServer(r => r.Attempt switch
        {
            1 or 2 => LocalHttpResponse.WithStatus(503),
            3 => LocalHttpResponse.WithStatus(429),
            _ => LocalHttpResponse.Serve(_content, r),
        });
        var retries = new List<string>();
        using var fetcher = new ArchiveFetcher(options: FastRetries with { OnRetry = retries.Add });

        await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal(4, server.Requests.Count);
        Assert.Equal(3, retries.Count);
        Assert.Contains("503", retries[0]);
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_RetriesWhenServerStallsMidTransfer()
    {
        await using var server = new LocalHttpServer(r => r.Attempt == 1
            ? new LocalHttpResponse(200, _content) { StallAfter = 4096 }
            : LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries with { ReadTimeout = TimeSpan.FromMilliseconds(300) });

        await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination);

        Assert.Equal([null, "bytes=4096-"], server.Requests.Select(r => r.Range));
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_DoesNotRetryClientErrorsAndFallsBackToMirror()
    {
        await using var server = new LocalHttpServer(r => r.Path == "/primary"
            ? LocalHttpResponse.WithStatus(404)
            : LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(
            new ArchiveDownload([server.Url("/primary"), server.Url("/mirror")], _sha256), Destination);

        Assert.Equal(["/primary", "/mirror"], server.Requests.Select(r => r.Path));
        Assert.Equal(server.Url("/mirror").ToString(), result.Source);
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_ChecksumMismatchNamesBothHashesAndUrlAndDeletesPartial()
    {
        var wrong = RandomBytes(_content.Length, seed: 2);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(wrong, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);
        var url = server.Url("/a.tar.gz");

        var error = await Assert.ThrowsAsync<ArchiveFetchException>(
            () => fetcher.DownloadAsync(new ArchiveDownload([url], _sha256), Destination));

        Assert.Contains(_sha256, error.Message);
        Assert.Contains(Sha256(wrong), error.Message);
        Assert.Contains(url.ToString(), error.Message);
        Assert.False(error.NoNetwork);
        Assert.IsType<ChecksumMismatchException>(Assert.Single(error.Failures));
        Assert.False(File.Exists(Partial));
        Assert.False(File.Exists(Destination));
        Assert.Single(server.Requests); // a mismatch is not retried on the same URL
    }

    [Fact]
    public async Task Download_FallsBackToMirrorAfterChecksumMismatch()
    {
        var wrong = RandomBytes(_content.Length, seed: 3);
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(r.Path == "/bad" ? wrong : _content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(new ArchiveDownload([server.Url("/bad"), server.Url("/good")], _sha256), Destination);

        Assert.Equal(server.Url("/good").ToString(), result.Source);
        Assert.Equal([null, null], server.Requests.Select(r => r.Range)); // the mirror starts clean, not from the bad bytes
        Assert.Equal(_content, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task Download_SizeMismatchIsAnError()
    {
        await using var server = new LocalHttpServer(r => LocalHttpResponse.Serve(_content, r));
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var error = await Assert.ThrowsAsync<ArchiveFetchException>(
            () => fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], null, _content.Length + 1), Destination));

        Assert.Contains($"{_content.Length} bytes, but {_content.Length + 1} bytes were expected", error.Message);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task Download_WithoutNetworkThrowsOneErrorSayingWhatToDo()
    {
        var primary = LocalHttpServer.RefusedUrl("/aclImdb_v1.tar.gz");
        var mirror = LocalHttpServer.RefusedUrl("/mirror/aclImdb_v1.tar.gz");
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var error = await Assert.ThrowsAsync<ArchiveFetchException>(
            () => fetcher.DownloadAsync(new ArchiveDownload([primary, mirror], _sha256), Destination));

        Assert.True(error.NoNetwork);
        Assert.Contains(
            "set data.archive in the spec or the IMDB_ARCHIVE environment variable to a local copy of aclImdb_v1.tar.gz, or add data.mirrors",
            error.Message);
        Assert.Contains(primary.ToString(), error.Message);
        Assert.Contains(mirror.ToString(), error.Message);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task Download_ReusesVerifiedDestinationWithoutNetwork()
    {
        File.WriteAllBytes(Destination, _content);
        using var fetcher = new ArchiveFetcher(options: FastRetries);

        var result = await fetcher.DownloadAsync(
            new ArchiveDownload([LocalHttpServer.RefusedUrl("/a")], _sha256.ToUpperInvariant()), Destination);

        Assert.False(result.Downloaded);
        Assert.Equal(_sha256, result.Sha256);
    }

    [Fact]
    public async Task Download_CancellationKeepsPartialForLaterResume()
    {
        await using var server = new LocalHttpServer(r => new LocalHttpResponse(200, _content) { StallAfter = 8192 });
        using var fetcher = new ArchiveFetcher(options: FastRetries);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)); // well inside the 2 s read timeout

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fetcher.DownloadAsync(new ArchiveDownload([server.Url("/a")], _sha256), Destination, null, cancel.Token));

        Assert.Single(server.Requests);
        Assert.Equal(_content[..8192], File.ReadAllBytes(Partial));
    }

    [Fact]
    public async Task VerifyLocal_ReturnsHashAndLeavesFileUntouched()
    {
        string local = _temp.Combine("mine.tar.gz");
        File.WriteAllBytes(local, _content);
        var written = File.GetLastWriteTimeUtc(local);

        var result = await ArchiveFetcher.VerifyLocalAsync(local, _sha256, null, CancellationToken.None);

        Assert.Equal(new FetchResult(local, _sha256, _content.Length, local, false), result);
        Assert.Equal(_content, File.ReadAllBytes(local));
        Assert.Equal(written, File.GetLastWriteTimeUtc(local));
    }

    [Fact]
    public async Task VerifyLocal_MismatchNamesBothHashesAndFileAndKeepsFile()
    {
        string local = _temp.Combine("mine.tar.gz");
        var other = RandomBytes(1000, seed: 4);
        File.WriteAllBytes(local, other);

        var error = await Assert.ThrowsAsync<ChecksumMismatchException>(
            () => ArchiveFetcher.VerifyLocalAsync(local, _sha256, null, CancellationToken.None));

        Assert.Contains(_sha256, error.Message);
        Assert.Contains(Sha256(other), error.Message);
        Assert.Contains(local, error.Message);
        Assert.Equal(other, File.ReadAllBytes(local));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        var random = new DeterministicRandom(seed);
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)random.NextUInt64();
        }

        return bytes;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Records reports synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class RecordingProgress(Action<TransferProgress>? onReport = null) : IProgress<TransferProgress>
    {
        public List<TransferProgress> Reports { get; } = [];

        public void Report(TransferProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }

            onReport?.Invoke(value);
        }
    }
}
