using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Modeling.Hub;

/// <summary>
/// The model download's client on a dataset repo. Upstream followed: huggingface_hub constants.py (REPO_TYPES_URL_PREFIXES:
/// "datasets/"), file_download.py (hf_hub_url, repo_folder_name "datasets--org--name"), hf_api.py (dataset_info's "sha" at
/// /api/datasets/{id}/revision/{rev}; list_repo_tree at /api/datasets/{id}/tree/{rev}?recursive=True&amp;expand=False) and
/// utils/_pagination.py (follow Link: rel="next").
/// </summary>
public sealed class HubClientDatasetTests : IDisposable
{
    const string Dataset = "acme/reviews";
    static readonly string Main1 = FakeHub.CommitId("reviews-1");
    static readonly FakeHubFile Card = FakeHubFile.Text("README.md", "---\nlicense: mit\n---\n");
    static readonly FakeHubFile Shard = FakeHubFile.Binary("data/train-00000-of-00001.parquet", 50_000, seed: 3);
    static readonly FakeHubFile Test = FakeHubFile.Binary("data/test-00000-of-00001.parquet", 20_000, seed: 4);

    readonly FakeHub _hub = new("dataset", Dataset);
    readonly string _cache = Directory.CreateTempSubdirectory("hub-dataset-cache-").FullName;

    public HubClientDatasetTests()
    {
        _hub.AddCommit(Main1, Card, Shard, Test);
        _hub.SetBranch("main", Main1);
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    HubClient Client(bool offline = false) => new(new HubOptions { CacheDirectory = _cache, Endpoint = _hub.Endpoint, Offline = offline, MaxRetries = 0 });

    [Fact]
    public async Task DownloadFile_DatasetRepo_UsesTheDatasetsUrlAndCacheFolder()
    {
        using var client = Client();

        var path = await client.DownloadFileAsync(HubRepo.Dataset(Dataset), "main", Shard.Name);

        Assert.Equal(Path.Join(_cache, "datasets--acme--reviews", "snapshots", Main1, "data", "train-00000-of-00001.parquet"), path);
        Assert.Equal(Shard.Content, File.ReadAllBytes(Path.Join(_cache, "datasets--acme--reviews", "blobs", Shard.Sha256)));
        Assert.Contains(_hub.Requests, r => r is { Method: "HEAD" } && r.RawPath == $"/datasets/{Dataset}/resolve/main/data/train-00000-of-00001.parquet");
    }

    [Fact]
    public async Task ListFiles_FollowsTreePagesAndRecordsTheRef()
    {
        _hub.TreePageSize = 1;
        using var client = Client();

        var listing = await client.ListFilesAsync(HubRepo.Dataset(Dataset), "main");

        Assert.Equal(Main1, listing.Commit);
        Assert.False(listing.FromCache);
        Assert.Equal([Card.Name, Test.Name, Shard.Name], listing.Files.Select(f => f.Path));
        Assert.Equal(Shard.Sha256, listing.Files.Single(f => f.Path == Shard.Name).Sha256);
        Assert.Equal(Card.GitSha1, listing.Files.Single(f => f.Path == Card.Name).Etag);
        Assert.Equal(Main1, File.ReadAllText(Path.Join(_cache, "datasets--acme--reviews", "refs", "main")));
        Assert.True(_hub.Requests.Count(r => r.RawPath.StartsWith($"/api/datasets/{Dataset}/tree/", StringComparison.Ordinal)) >= 4);
    }

    [Fact]
    public async Task ListFiles_Offline_AnswersFromTheSnapshotWithoutARequest()
    {
        using (var online = Client())
        {
            await online.DownloadFileAsync(HubRepo.Dataset(Dataset), "main", Shard.Name);
            await online.DownloadFileAsync(HubRepo.Dataset(Dataset), "main", Card.Name);
        }
        var before = _hub.Requests.Count;
        using var client = Client(offline: true);

        var listing = await client.ListFilesAsync(HubRepo.Dataset(Dataset), "main");

        Assert.True(listing.FromCache);
        Assert.Equal(Main1, listing.Commit);
        Assert.Equal([Card.Name, Shard.Name], listing.Files.Select(f => f.Path));
        Assert.Equal(Shard.Sha256, listing.Files.Single(f => f.Path == Shard.Name).Sha256);
        Assert.Equal(before, _hub.Requests.Count);
    }

    [Fact]
    public async Task ListFiles_UnknownRevision_IsRevisionNotFoundNamingTheDataset()
    {
        using var client = Client();

        var error = await Assert.ThrowsAsync<HubException>(() => client.ListFilesAsync(HubRepo.Dataset(Dataset), "no-such-branch"));

        Assert.Equal(HubErrorKind.RevisionNotFound, error.Kind);
        Assert.Contains("Hub dataset 'acme/reviews'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListFiles_ARefThatIsNotACommit_IsNotFollowedIntoAPath()
    {
        var refs = Path.Join(_cache, "datasets--acme--reviews", "refs");
        Directory.CreateDirectory(refs);
        File.WriteAllText(Path.Join(refs, "main"), "../../../../etc");
        using var client = Client(offline: true);

        var error = await Assert.ThrowsAsync<HubException>(() => client.ListFilesAsync(HubRepo.Dataset(Dataset), "main"));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
    }
}
