using System.Security.Cryptography;
using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Modeling.Hub;

public sealed class HubClientTests : IDisposable
{
    private static readonly string Main1 = FakeHub.CommitId("main-1");
    private static readonly string Main2 = FakeHub.CommitId("main-2");
    private static readonly FakeHubFile Config = FakeHubFile.Text("config.json", """{"model_type":"bert","hidden_size":32}""");
    private static readonly FakeHubFile Vocab = FakeHubFile.Text("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n");
    private static readonly FakeHubFile Weights = FakeHubFile.Binary("model.safetensors", 300_000, seed: 1);
    private static readonly FakeHubFile PickleWeights = FakeHubFile.Binary("pytorch_model.bin", 120_000, seed: 2);

    private readonly FakeHub _hub = new();
    private readonly string _cache = Directory.CreateTempSubdirectory("hub-cache-").FullName;

    public HubClientTests()
    {
        _hub.AddCommit(Main1, Config, Vocab, Weights);
        _hub.SetBranch("main", Main1);
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    private string RepoFolder => Path.Join(_cache, "models--acme--tiny-bert");

    private HubOptions Options(string? token = null) => new()
    {
        CacheDirectory = _cache,
        Endpoint = _hub.Endpoint,
        Token = token,
        TokenSource = token is null ? null : "HF_TOKEN",
        MaxRetries = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(40),
    };

    private HubClient Client(string? token = null) => new(Options(token));

    [Fact]
    public async Task DownloadFile_SmallFile_LaysOutBlobRefAndRelativeSymlinkLikeHuggingfaceHub()
    {
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");

        Assert.Equal(Path.Join(RepoFolder, "snapshots", Main1, "config.json"), path);
        Assert.Equal(Main1, File.ReadAllText(Path.Join(RepoFolder, "refs", "main")));
        Assert.Equal(Config.Content, File.ReadAllBytes(Path.Join(RepoFolder, "blobs", Config.GitSha1)));
        Assert.Equal(Path.Join("..", "..", "blobs", Config.GitSha1), new FileInfo(path).LinkTarget);
        Assert.Equal(Config.Content, File.ReadAllBytes(path));
        Assert.False(File.Exists(Path.Join(RepoFolder, "blobs", Config.GitSha1 + ".incomplete")));
        Assert.True(File.Exists(Path.Join(_cache, ".locks", "models--acme--tiny-bert", Config.GitSha1 + ".lock")));
        Assert.True(File.Exists(Path.Join(_cache, "CACHEDIR.TAG")));
    }

    [Fact]
    public async Task DownloadFile_LfsFile_FollowsRedirectToCdnAndStoresUnderSha256()
    {
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.Equal(Path.Join("..", "..", "blobs", Weights.Sha256), new FileInfo(path).LinkTarget);
        var requests = _hub.Requests;
        Assert.Contains(requests, r => r is { Method: "HEAD", ToCdn: false });
        Assert.Contains(requests, r => r is { Method: "GET", ToCdn: true } && r.RawPath == $"/cdn/{Weights.Sha256}");
        Assert.DoesNotContain(requests, r => r is { Method: "GET", ToCdn: false });
    }

    [Fact]
    public async Task DownloadFile_SecondCallWithServerStopped_ReturnsSamePathFromCache()
    {
        using var client = Client();
        var first = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");
        _hub.Dispose();

        var second = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task DownloadFile_CachedBranchFile_AsksForMetadataButDownloadsNothing()
    {
        using (var warm = Client())
            await warm.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");
        var before = _hub.Requests.Count;

        using var client = Client();
        await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        var after = _hub.Requests.Skip(before).ToList();
        Assert.Single(after);
        Assert.Equal("HEAD", after[0].Method);
    }

    [Fact]
    public async Task DownloadFile_PinnedCommitAlreadyCached_MakesNoRequest()
    {
        using var client = Client();
        var first = await client.DownloadFileAsync(FakeHub.RepoId, Main1, "config.json");
        var before = _hub.Requests.Count;

        var second = await client.DownloadFileAsync(FakeHub.RepoId, Main1, "config.json");

        Assert.Equal(first, second);
        Assert.Equal(before, _hub.Requests.Count);
        Assert.All(_hub.Requests.Where(r => !r.ToCdn), r => Assert.Contains($"/resolve/{Main1}/", r.RawPath, StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Join(RepoFolder, "refs")));
    }

    [Fact]
    public async Task DownloadFile_BranchMovedToNewCommit_UpdatesRefAndKeepsOldSnapshot()
    {
        using var client = Client();
        var old = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");
        var newConfig = FakeHubFile.Text("config.json", """{"model_type":"bert","hidden_size":64}""");
        _hub.AddCommit(Main2, newConfig, Vocab, Weights);
        _hub.SetBranch("main", Main2);

        var updated = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");

        Assert.Equal(Path.Join(RepoFolder, "snapshots", Main2, "config.json"), updated);
        Assert.Equal(Main2, File.ReadAllText(Path.Join(RepoFolder, "refs", "main")));
        Assert.Equal(newConfig.Content, File.ReadAllBytes(updated));
        Assert.Equal(Config.Content, File.ReadAllBytes(old));
    }

    [Fact]
    public async Task DownloadFile_RelativeRedirectOnHead_IsFollowedForMetadataAndDownload()
    {
        _hub.SmallFilesViaResolveCache = true;
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");

        Assert.Equal(Config.Content, File.ReadAllBytes(path));
        Assert.Equal(Path.Join("..", "..", "blobs", Config.GitSha1), new FileInfo(path).LinkTarget);
        Assert.Contains(_hub.Requests, r => r.Method == "GET" && r.RawPath.StartsWith("/api/resolve-cache/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Constructor_InjectedClientMustNotFollowRedirects()
    {
        using var followsRedirects = new HttpClient();
        using var wrong = new HubClient(Options(), followsRedirects);
        using var suitable = new HttpClient(HubClient.CreateHandler());
        using var right = new HubClient(Options(), suitable);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors"));
        var path = await right.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Contains("AllowAutoRedirect", error.Message, StringComparison.Ordinal);
        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task DownloadFile_RevisionWithSlash_IsEscapedInUrlAndNestedInRefs()
    {
        _hub.SetBranch("refs/pr/1", Main1);
        using var client = Client();

        await client.DownloadFileAsync(FakeHub.RepoId, "refs/pr/1", "config.json");

        Assert.Contains(_hub.Requests, r => r.RawPath == $"/{FakeHub.RepoId}/resolve/refs%2Fpr%2F1/config.json");
        Assert.Equal(Main1, File.ReadAllText(Path.Join(RepoFolder, "refs", "refs", "pr", "1")));
    }

    [Fact]
    public async Task DownloadFile_OfflineWithCachedFile_AnswersFromCacheWithoutRequests()
    {
        using (var warm = Client())
            await warm.DownloadFileAsync(FakeHub.RepoId, "main", "vocab.txt");
        var before = _hub.Requests.Count;
        using var offline = new HubClient(Options() with { Offline = true });

        var path = await offline.DownloadFileAsync(FakeHub.RepoId, "main", "vocab.txt");

        Assert.Equal(Path.Join(RepoFolder, "snapshots", Main1, "vocab.txt"), path);
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public async Task DownloadFile_OfflineWithoutCachedFile_FailsSayingWhereItLookedAndWhatToDo()
    {
        using var offline = new HubClient(Options() with { Offline = true });

        var error = await Assert.ThrowsAsync<HubException>(() => offline.DownloadFileAsync(FakeHub.RepoId, "main", "config.json"));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.Contains("HF_HUB_OFFLINE", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Join(RepoFolder, "refs", "main"), error.Message, StringComparison.Ordinal);
        Assert.Contains($"huggingface-cli download {FakeHub.RepoId} --revision main", error.Message, StringComparison.Ordinal);
        Assert.Contains("model.path", error.Message, StringComparison.Ordinal);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task DownloadFile_HubUnreachableAndNothingCached_FailsAsNotCachedAfterRetrying()
    {
        using var client = Client();
        _hub.Dispose();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json"));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.Contains(_hub.Endpoint, error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task DownloadFile_CacheWrittenByPython_IsReusedOfflineAndOnlineWithoutDownloading()
    {
        // The layout huggingface_hub writes: blob, ref, relative symlink.
        var blobs = Directory.CreateDirectory(Path.Join(RepoFolder, "blobs")).FullName;
        File.WriteAllBytes(Path.Join(blobs, Weights.Sha256), Weights.Content);
        Directory.CreateDirectory(Path.Join(RepoFolder, "refs"));
        File.WriteAllText(Path.Join(RepoFolder, "refs", "main"), Main1);
        var snapshot = Directory.CreateDirectory(Path.Join(RepoFolder, "snapshots", Main1)).FullName;
        File.CreateSymbolicLink(Path.Join(snapshot, "model.safetensors"), $"../../blobs/{Weights.Sha256}");

        using var offline = new HubClient(Options() with { Offline = true });
        var offlinePath = await offline.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");
        using var online = Client();
        var onlinePath = await online.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(Path.Join(snapshot, "model.safetensors"), offlinePath);
        Assert.Equal(offlinePath, onlinePath);
        Assert.DoesNotContain(_hub.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task DownloadFile_ConnectionCutMidBody_ResumesWithRangeRequest()
    {
        _hub.FailOnce(r => r is { Method: "GET", ToCdn: true }, new FakeHubFault(CutAfterBytes: 100_000));
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(Weights.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        var gets = _hub.Requests.Where(r => r is { Method: "GET", ToCdn: true }).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Null(gets[0].Range);
        Assert.Equal("bytes=100000-", gets[1].Range);
    }

    [Fact]
    public async Task DownloadFile_IncompleteFileFromEarlierRun_IsResumedNotRestarted()
    {
        var blobs = Directory.CreateDirectory(Path.Join(RepoFolder, "blobs")).FullName;
        File.WriteAllBytes(Path.Join(blobs, Weights.Sha256 + ".incomplete"), Weights.Content[..70_000]);
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        var get = Assert.Single(_hub.Requests, r => r is { Method: "GET", ToCdn: true });
        Assert.Equal("bytes=70000-", get.Range);
    }

    [Fact]
    public async Task DownloadFile_ContentNotMatchingSha256Etag_FailsNamingBothHashesAndDeletesPartialFile()
    {
        _hub.CorruptLfsBodies = true;
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors"));

        var corrupted = (byte[])Weights.Content.Clone();
        corrupted[corrupted.Length / 2] ^= 0xFF;
        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains(Weights.Sha256, error.Message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(corrupted)), error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Join(RepoFolder, "blobs")));
        Assert.False(File.Exists(Path.Join(RepoFolder, "snapshots", Main1, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadFile_Http503ThenSuccess_IsRetried()
    {
        _hub.FailOnce(r => r.Method == "HEAD", new FakeHubFault(Status: 503));
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");

        Assert.Equal(Config.Content, File.ReadAllBytes(path));
        Assert.Equal(2, _hub.Requests.Count(r => r.Method == "HEAD"));
    }

    [Fact]
    public async Task DownloadFile_Http503OnCdnGet_IsRetried()
    {
        _hub.FailOnce(r => r is { Method: "GET", ToCdn: true }, new FakeHubFault(Status: 503));
        using var client = Client();

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.Equal(Weights.Content, File.ReadAllBytes(path));
        Assert.Equal(2, _hub.Requests.Count(r => r is { Method: "GET", ToCdn: true }));
    }

    [Fact]
    public async Task DownloadFile_MissingFile_FailsAsEntryNotFoundWithoutRetryAndRecordsItAsMissing()
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "main", "merges.txt"));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'merges.txt'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{FakeHub.RepoId}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'main'", error.Message, StringComparison.Ordinal);
        Assert.Single(_hub.Requests);
        Assert.True(File.Exists(Path.Join(RepoFolder, ".no_exist", Main1, "merges.txt")));
    }

    [Fact]
    public async Task DownloadFile_MissingRevision_FailsAsRevisionNotFound()
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "v9.9", "config.json"));

        Assert.Equal(HubErrorKind.RevisionNotFound, error.Kind);
        Assert.Contains("'v9.9'", error.Message, StringComparison.Ordinal);
        Assert.Single(_hub.Requests);
    }

    [Fact]
    public async Task DownloadFile_PrivateRepoWithoutToken_FailsAsRepositoryNotFoundAskingForHfToken()
    {
        _hub.RequiredToken = "hf_SecretValue123";
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json"));

        Assert.Equal(HubErrorKind.RepositoryNotFound, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Single(_hub.Requests);
    }

    [Fact]
    public async Task DownloadFile_Token_IsSentToHubButNotToCdn()
    {
        const string token = "hf_SecretValue123";
        _hub.RequiredToken = token;
        using var client = Client(token);

        await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");

        Assert.All(_hub.Requests.Where(r => !r.ToCdn), r => Assert.Equal($"Bearer {token}", r.Authorization));
        Assert.All(_hub.Requests.Where(r => r.ToCdn), r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task DownloadFile_RejectedToken_FailsAsInvalidTokenWithoutRevealingIt()
    {
        const string wrong = "hf_WrongSecret987";
        _hub.RequiredToken = "hf_SecretValue123";
        using var client = Client(wrong);

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json"));

        Assert.Equal(HubErrorKind.InvalidToken, error.Kind);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Bearer {wrong}", _hub.Requests[0].Authorization, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, client.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadFile_SymlinksDisabled_CopiesBlobIntoSnapshot()
    {
        using var client = new HubClient(Options() with { DisableSymlinks = true });

        var path = await client.DownloadFileAsync(FakeHub.RepoId, "main", "config.json");

        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(Config.Content, File.ReadAllBytes(path));
        Assert.True(File.Exists(Path.Join(RepoFolder, "blobs", Config.GitSha1)));
    }

    [Fact]
    public async Task DownloadFile_TwoConcurrentDownloadsOfOneBlob_FetchItOnce()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hub.CdnGate = release.Task;
        using var first = Client();
        using var second = Client();

        var a = first.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");
        var b = second.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors");
        while (_hub.Requests.Count(r => r.Method == "HEAD") < 2 || !_hub.Requests.Any(r => r.ToCdn))
            await Task.Delay(10);
        release.SetResult();
        var paths = await Task.WhenAll(a, b);

        Assert.Equal(paths[0], paths[1]);
        Assert.Single(_hub.Requests, r => r.ToCdn);
        Assert.Equal(Weights.Content, File.ReadAllBytes(paths[0]));
    }

    [Fact]
    public async Task DownloadFile_Progress_EndsAtTheFileSize()
    {
        using var client = Client();
        var progress = new RecordingProgress();

        await client.DownloadFileAsync(FakeHub.RepoId, "main", "model.safetensors", progress);

        Assert.NotEmpty(progress.Reports);
        Assert.Equal(new TransferProgress(Weights.Content.Length, Weights.Content.Length), progress.Reports[^1]);
    }

    [Fact]
    public async Task DownloadModel_TakesTheFirstExistingAlternativeAndSkipsMissingOptionalFiles()
    {
        var commit = FakeHub.CommitId("legacy");
        _hub.AddCommit(commit, Config, Vocab, PickleWeights);
        _hub.SetBranch("legacy", commit);
        using var client = Client();

        var folder = await client.DownloadModelAsync(
            FakeHub.RepoId, "legacy", ["config.json", "vocab.txt", "tokenizer_config.json?", "model.safetensors|pytorch_model.bin"]);

        Assert.Equal(Path.Join(RepoFolder, "snapshots", commit), folder);
        Assert.Equal(
            ["config.json", "pytorch_model.bin", "vocab.txt"],
            Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(PickleWeights.Content, File.ReadAllBytes(Path.Join(folder, "pytorch_model.bin")));
        Assert.Equal(commit, File.ReadAllText(Path.Join(RepoFolder, "refs", "legacy")));
        Assert.True(File.Exists(Path.Join(RepoFolder, ".no_exist", commit, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadModel_MissingRequiredFile_FailsNamingAllAlternatives()
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadModelAsync(FakeHub.RepoId, "main", ["config.json", "tf_model.h5|flax_model.msgpack"]));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Contains("'tf_model.h5', 'flax_model.msgpack'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadModel_BranchResolvedOnce_RestIsFetchedAtThatCommit()
    {
        using var client = Client();

        await client.DownloadModelAsync(FakeHub.RepoId, "main", HubFileSpec.BertModelFiles);

        var heads = _hub.Requests.Where(r => r.Method == "HEAD").Select(r => r.RawPath).ToList();
        Assert.Equal($"/{FakeHub.RepoId}/resolve/main/config.json", heads[0]);
        Assert.All(heads.Skip(1), path => Assert.Contains($"/resolve/{Main1}/", path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DownloadModel_ReportsProgressOverAllDownloadedFiles()
    {
        using var client = Client();
        var progress = new RecordingProgress();

        await client.DownloadModelAsync(FakeHub.RepoId, "main", ["config.json", "vocab.txt", "model.safetensors"], progress);

        long total = Config.Content.Length + Vocab.Content.Length + Weights.Content.Length;
        Assert.Equal(new TransferProgress(total, total), progress.Reports[^1]);
        Assert.All(progress.Reports, report => Assert.Equal(total, report.TotalBytes));
        Assert.True(progress.Reports.Zip(progress.Reports.Skip(1)).All(pair => pair.First.BytesDone <= pair.Second.BytesDone));
    }

    [Fact]
    public async Task DownloadModel_Offline_UsesCachedAlternativeAndSkipsUncachedOptionalFile()
    {
        var commit = FakeHub.CommitId("legacy");
        _hub.AddCommit(commit, Config, Vocab, PickleWeights);
        _hub.SetBranch("main", commit);
        using (var warm = Client())
            await warm.DownloadModelAsync(FakeHub.RepoId, "main", ["config.json", "vocab.txt", "model.safetensors|pytorch_model.bin"]);
        var before = _hub.Requests.Count;
        using var offline = new HubClient(Options() with { Offline = true });

        var folder = await offline.DownloadModelAsync(FakeHub.RepoId, "main", HubFileSpec.BertModelFiles);

        Assert.Equal(Path.Join(RepoFolder, "snapshots", commit), folder);
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public async Task DownloadModel_HubGoneMidway_FallsBackToCacheForTheRest()
    {
        using (var warm = Client())
            await warm.DownloadModelAsync(FakeHub.RepoId, "main", ["config.json", "vocab.txt", "model.safetensors"]);
        _hub.Dispose();
        using var client = Client();

        var folder = await client.DownloadModelAsync(FakeHub.RepoId, "main", ["config.json", "vocab.txt", "model.safetensors"]);

        Assert.Equal(Path.Join(RepoFolder, "snapshots", Main1), folder);
    }

    private sealed class RecordingProgress : IProgress<TransferProgress>
    {
        public List<TransferProgress> Reports { get; } = [];

        public void Report(TransferProgress value)
        {
            lock (Reports)
                Reports.Add(value);
        }
    }
}
