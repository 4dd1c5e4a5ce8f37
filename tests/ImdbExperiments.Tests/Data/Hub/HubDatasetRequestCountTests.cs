using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling.Hub;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Modeling.Hub;
using ImdbExperiments.Tests.Stages;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data.Hub;

/// <summary>
/// What data.source: hub asks the Hub on a re-run, counted at a fake Hub on loopback. Upstream followed (huggingface_hub):
/// _snapshot_download.py (a 40-hex revision skips repo_info; a branch or tag costs one repo_info for its sha; the commit's
/// list comes from trees/{commit}.json before list_repo_tree), _tree_cache.py (that file's format, ignored when damaged),
/// file_download.py _hf_hub_download_to_cache_dir (a commit whose snapshots/ pointer exists is returned without a request).
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class HubDatasetRequestCountTests : IDisposable
{
    const string Dataset = "stanfordnlp/imdb";
    static readonly string Main1 = FakeHub.CommitId("imdb-1");
    static readonly (string Text, long Label)[] TrainRows = HubParquet.Rows("train", 17);
    static readonly (string Text, long Label)[] TestRows = HubParquet.Rows("test", 6);
    static readonly FakeHubFile Card = HubParquet.Card();
    static readonly FakeHubFile Train0 = HubParquet.Shard("plain_text/train-00000-of-00002.parquet", TrainRows[..8]);
    static readonly FakeHubFile Train1 = HubParquet.Shard("plain_text/train-00001-of-00002.parquet", TrainRows[8..]);
    static readonly FakeHubFile Test0 = HubParquet.Shard("plain_text/test-00000-of-00001.parquet", TestRows);
    static readonly FakeHubFile Unsupervised = HubParquet.Shard("plain_text/unsupervised-00000-of-00001.parquet", [("no label", -1)]);
    static readonly FakeHubFile Attributes = FakeHubFile.Text(".gitattributes", "*.parquet filter=lfs\n");

    const string Spec = """
        name: hub-data
        seed: 3
        data:
          source: hub
          dataset: stanfordnlp/imdb
          validation_fraction: 0.25
          split_method: datasets
        model:
          init: random
        """;

    readonly FakeHub hub = new("dataset", Dataset);
    readonly PipelineFixture fixture = new();

    public HubDatasetRequestCountTests()
    {
        hub.TreePageSize = 2;
        hub.AddCommit(Main1, Card, Train0, Train1, Test0, Unsupervised, Attributes);
        hub.SetBranch("main", Main1);
        fixture.Environment["HF_HUB_CACHE"] = HubCacheFolder;
        fixture.Environment["HF_ENDPOINT"] = hub.Endpoint;
        fixture.Environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1";
    }

    string HubCacheFolder => Path.Join(fixture.Root, "hf-hub");

    string RepoFolder => Path.Join(HubCacheFolder, "datasets--stanfordnlp--imdb");

    string TreeFile(string commit) => Path.Join(RepoFolder, "trees", commit + ".json");

    static string Pinned(string commit) => Spec.Replace("  dataset: stanfordnlp/imdb", $"  dataset: stanfordnlp/imdb\n  revision: {commit}");

    public void Dispose()
    {
        hub.Dispose();
        fixture.Dispose();
    }

    [Fact]
    public void Hub_RerunAtAPinnedCommit_SendsNoRequestAtAll()
    {
        var spec = fixture.WriteSpec(Pinned(Main1));
        var first = fixture.Run("ingest", spec).Output;
        var before = hub.Requests.Count;
        Assert.True(before > 0);

        // Each Run is a new pipeline run (a new context), so the revision and the shards are resolved again.
        var again = fixture.Run("ingest", spec).Output;

        Assert.Equal(first.Key, again.Key);
        Assert.Equal(before, hub.Requests.Count);
        Assert.Single(fixture.Published("fetch"));
    }

    [Fact]
    public void Hub_RerunOnABranch_SendsOnlyTheRevisionLookup()
    {
        var spec = fixture.WriteSpec(Spec);
        var first = fixture.Run("ingest", spec).Output;
        var before = hub.Requests.Count;

        var again = fixture.Run("ingest", spec).Output;

        Assert.Equal(first.Key, again.Key);
        var only = Assert.Single(hub.Requests.Skip(before));
        Assert.Equal(("GET", $"/api/datasets/{Dataset}/revision/main"), (only.Method, only.RawPath));
    }

    [Fact]
    public void Hub_FirstListingOfACommit_IsKeptInPythonsTreeCacheFormat()
    {
        fixture.Run("fetch", fixture.WriteSpec(Spec));

        var tree = JsonNode.Parse(File.ReadAllText(TreeFile(Main1)))!;
        Assert.Equal(1, (int)tree["format_version"]!);
        var files = tree["files"]!.AsObject();
        Assert.Equal(new[] { Attributes, Card, Test0, Train0, Train1, Unsupervised }.Select(f => f.Name).Order(StringComparer.Ordinal), files.Select(f => f.Key));
        var shard = files[Train1.Name]!;
        Assert.Equal(Train1.Content.Length, (long)shard["size"]!);
        Assert.Equal(Train1.Sha256, (string)shard["lfs_sha256"]!);
        Assert.Equal(Train1.Content.Length, (long)shard["lfs_size"]!);
        Assert.Matches("^[0-9a-f]{40}$", (string)shard["blob_id"]!);
        var card = files[Card.Name]!.AsObject();
        Assert.Equal(Card.GitSha1, (string)card["blob_id"]!);
        Assert.False(card.ContainsKey("lfs_sha256"));
    }

    [Fact]
    public void Hub_PinnedCommitThatPythonsSnapshotDownloadCached_SendsNoRequestOnTheFirstRun()
    {
        // As Python leaves it: the snapshot holds what load_dataset read, trees/ the whole commit (the unsupervised split too).
        WritePythonCache(Main1, [Card, Train0, Train1, Test0]);
        Directory.CreateDirectory(Path.GetDirectoryName(TreeFile(Main1))!);
        File.WriteAllText(TreeFile(Main1), PythonTreeJson([Attributes, Card, Test0, Train0, Train1, Unsupervised]));

        var ingest = fixture.Run("ingest", fixture.WriteSpec(Pinned(Main1))).Output;

        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        Assert.Equal(TrainRows.Length, reviews.Count(r => r.Split == ReviewSplit.Train));
        Assert.Equal(TestRows.Length, reviews.Count(r => r.Split == ReviewSplit.Test));
        Assert.Empty(hub.Requests);
    }

    [Fact]
    public void Hub_OfflineWithATreeCacheAndAShardNotDownloaded_IsNotCachedNamingTheShard()
    {
        // The snapshot alone would make the train split one shard short; the commit's recorded list says it has two.
        WritePythonCache(Main1, [Card, Train0, Test0]);
        Directory.CreateDirectory(Path.GetDirectoryName(TreeFile(Main1))!);
        File.WriteAllText(TreeFile(Main1), PythonTreeJson([Attributes, Card, Test0, Train0, Train1, Unsupervised]));
        fixture.Environment["HF_HUB_OFFLINE"] = "1";

        var error = Assert.Throws<HubException>(() => fixture.Run("fetch", fixture.WriteSpec(Spec)));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.Contains(Train1.Name, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(hub.Requests);
        Assert.Empty(fixture.Published("fetch"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"format_version": 2, "files": {}}""")]
    [InlineData("""{"format_version": 1, "files": {"../../escape.parquet": {"size": 1, "blob_id": "0000000000000000000000000000000000000000"}}}""")]
    [InlineData("""{"format_version": 1, "files": {"README.md": {"size": -5, "blob_id": "0000000000000000000000000000000000000000"}}}""")]
    public void Hub_DamagedTreeCache_IsIgnoredListedAgainAndRewritten(string damaged)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(TreeFile(Main1))!);
        File.WriteAllText(TreeFile(Main1), damaged);

        var fetch = fixture.Run("fetch", fixture.WriteSpec(Pinned(Main1))).Output;

        Assert.Equal(Main1, (string?)fetch.Manifest.Summary["commit"]);
        Assert.Contains(hub.Requests, r => r.RawPath == $"/api/datasets/{Dataset}/tree/{Main1}");
        var rewritten = JsonNode.Parse(File.ReadAllText(TreeFile(Main1)))!;
        Assert.Equal(1, (int)rewritten["format_version"]!);
        Assert.Equal(Train1.Sha256, (string?)rewritten["files"]![Train1.Name]!["lfs_sha256"]);
    }

    [Fact]
    public void Hub_CancelledRun_SendsNoRequestAndPublishesNothing()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => fixture.Run("fetch", fixture.WriteSpec(Spec), null, cancelled.Token));

        Assert.Empty(hub.Requests);
        Assert.Empty(fixture.Published("fetch"));
    }

    [Fact]
    public void Hub_IsItCachedOnABranch_AnswersFromTheLocalCacheWithoutARequest()
    {
        var spec = fixture.WriteSpec(Spec);
        Assert.Null(NewPipeline(spec).TryGetCached("fetch")); // nothing cached: "no", not an error and not a request
        Assert.Empty(hub.Requests);
        var fetched = fixture.Run("fetch", spec).Output;
        var before = hub.Requests.Count;

        var cached = NewPipeline(spec).TryGetCached("fetch");

        Assert.Equal(fetched.Key, cached?.Key);
        Assert.Equal(before, hub.Requests.Count);
    }

    Pipeline NewPipeline(string spec) => new(PipelineStages.Create(), new PipelineContext
    {
        Spec = SpecLoader.Load(spec, [], fixture.Root),
        Cache = new StageCache(Path.Combine(fixture.Artifacts, "cache"), ToolVersions.Current()),
        ArtifactsDirectory = fixture.Artifacts,
        Environment = name => fixture.Environment.GetValueOrDefault(name),
    });

    /// <summary>_tree_cache.py write_tree_cache: json.dump(indent=1) of {"format_version": 1, "files": {path: entry}}, paths sorted.</summary>
    static string PythonTreeJson(FakeHubFile[] files)
    {
        var entries = string.Join(",\n", files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f.Lfs
            ? $" \"{f.Name}\": {{\n  \"size\": {f.Content.Length},\n  \"blob_id\": \"{new string('c', 40)}\",\n  \"lfs_sha256\": \"{f.Sha256}\",\n  \"lfs_size\": {f.Content.Length}\n }}"
            : $" \"{f.Name}\": {{\n  \"size\": {f.Content.Length},\n  \"blob_id\": \"{f.GitSha1}\"\n }}"));
        return $"{{\n \"format_version\": 1,\n \"files\": {{\n{entries}\n }}\n}}";
    }

    /// <summary>The cache as Python's huggingface_hub leaves it: blobs by ETag, snapshots/{commit}/{path} linking to them, refs/main.</summary>
    void WritePythonCache(string commit, FakeHubFile[] files)
    {
        Directory.CreateDirectory(Path.Join(RepoFolder, "blobs"));
        Directory.CreateDirectory(Path.Join(RepoFolder, "refs"));
        File.WriteAllText(Path.Join(RepoFolder, "refs", "main"), commit);
        foreach (var file in files)
        {
            var blob = Path.Join(RepoFolder, "blobs", file.Etag);
            File.WriteAllBytes(blob, file.Content);
            var pointer = Path.Join(RepoFolder, "snapshots", commit, Path.Join(file.Name.Split('/')));
            Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob));
        }
    }
}
