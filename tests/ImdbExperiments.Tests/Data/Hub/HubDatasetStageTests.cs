using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Data.NumpyRandom;
using ImdbExperiments.Modeling.Hub;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Modeling.Hub;
using ImdbExperiments.Tests.Stages;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data.Hub;

/// <summary>
/// data.source: hub against a fake Hub on loopback that serves a dataset repo laid out as stanfordnlp/imdb
/// (plain_text/{split}-00000-of-0000N.parquet plus a card with configs), its files written by Arrow's C++ Parquet writer.
/// Upstream followed: huggingface_hub file_download.py (hf_hub_download, repo_folder_name, the cache's blobs / refs /
/// snapshots), hf_api.py (dataset_info's sha, list_repo_tree), datasets load.py / data_files.py (configs → data_files,
/// default patterns) and arrow_dataset.py train_test_split.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class HubDatasetStageTests : IDisposable
{
    const string Dataset = "stanfordnlp/imdb";
    static readonly string Main1 = FakeHub.CommitId("imdb-1");
    static readonly string Main2 = FakeHub.CommitId("imdb-2");
    static readonly (string Text, long Label)[] TrainRows = HubParquet.Rows("train", 23);
    static readonly (string Text, long Label)[] TestRows = HubParquet.Rows("test", 9);
    static readonly FakeHubFile Train0 = HubParquet.Shard("plain_text/train-00000-of-00002.parquet", TrainRows[..10]);
    static readonly FakeHubFile Train1 = HubParquet.Shard("plain_text/train-00001-of-00002.parquet", TrainRows[10..]);
    static readonly FakeHubFile Test0 = HubParquet.Shard("plain_text/test-00000-of-00001.parquet", TestRows);
    static readonly FakeHubFile Unsupervised = HubParquet.Shard("plain_text/unsupervised-00000-of-00001.parquet", [("no label", -1)]);

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

    public HubDatasetStageTests()
    {
        hub.TreePageSize = 3; // the listing spans pages: the client must follow Link: rel="next"
        hub.AddCommit(Main1, HubParquet.Card(), Train0, Train1, Test0, Unsupervised, FakeHubFile.Text(".gitattributes", "*.parquet filter=lfs\n"));
        hub.SetBranch("main", Main1);
        fixture.Environment["HF_HUB_CACHE"] = HubCacheFolder;
        fixture.Environment["HF_ENDPOINT"] = hub.Endpoint;
        fixture.Environment["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1";
    }

    string HubCacheFolder => Path.Join(fixture.Root, "hf-hub");

    string RepoFolder => Path.Join(HubCacheFolder, "datasets--stanfordnlp--imdb");

    public void Dispose()
    {
        hub.Dispose();
        fixture.Dispose();
    }

    [Fact]
    public void Hub_TwoSplitsWithDatasetsSplitMethod_GiveTheRowsInOrderAndTheValidationRowsOfTrainTestSplit()
    {
        var spec = fixture.WriteSpec(Spec);

        var split = fixture.Run("split", spec).Output;

        var ingest = fixture.Run("ingest", spec).Output;
        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        var train = reviews.Where(r => r.Split == ReviewSplit.Train).OrderBy(r => ReviewNames.Number(r.Id)).ToArray();
        // Shards concatenated in sorted order, ids train/<row> counting on across them; the unsupervised split is not read.
        Assert.Equal(TrainRows.Select((r, i) => ($"train/{i + 1}", r.Text, (int)r.Label)), train.Select(r => (r.Id, r.Text, r.Label)));
        Assert.Equal(TestRows.Select(r => (r.Text, (int)r.Label)), reviews.Where(r => r.Split == ReviewSplit.Test).OrderBy(r => ReviewNames.Number(r.Id)).Select(r => (r.Text, r.Label)));
        Assert.Equal(["neg", "pos"], ingest.Manifest.Summary["label_names"]!.AsArray().Select(n => (string)n!));
        // datasets: train_test_split(test_size=0.25, seed=3) takes np.random.default_rng(3).permutation(n)[:ceil(0.25 n)].
        var permutation = NumpyGenerator.DefaultRng(3).Permutation(TrainRows.Length);
        Assert.Equal(
            permutation.Take((int)Math.Ceiling(0.25 * TrainRows.Length)).Select(i => $"train/{i + 1}"),
            File.ReadAllLines(split.PathOf(SplitFiles.ValidationFileName)));
        Assert.Equal(Main1, File.ReadAllText(Path.Join(RepoFolder, "refs", "main")));
        Assert.Contains(hub.Requests, r => r.RawPath == $"/datasets/{Dataset}/resolve/{Main1}/plain_text/train-00000-of-00002.parquet");
        Assert.Contains(hub.Requests, r => r.RawPath == $"/api/datasets/{Dataset}/tree/{Main1}");
    }

    [Theory]
    [InlineData(0, 0.1)]
    [InlineData(42, 0.5)]
    [InlineData(123456789, 0.04)]
    public void Hub_DatasetsSplit_ForSeveralSeedsAndSizes_IsTheHeadOfNumpysPermutation(int seed, double fraction)
    {
        var spec = fixture.WriteSpec(Spec.Replace("seed: 3", $"seed: {seed}").Replace("validation_fraction: 0.25", $"validation_fraction: {fraction}"));

        var split = fixture.Run("split", spec).Output;

        var permutation = NumpyGenerator.DefaultRng(seed).Permutation(TrainRows.Length);
        var validation = (int)Math.Ceiling(fraction * TrainRows.Length);
        Assert.Equal(permutation.Take(validation).Select(i => $"train/{i + 1}"), File.ReadAllLines(split.PathOf(SplitFiles.ValidationFileName)));
        Assert.Equal(permutation.Skip(validation).Select(i => $"train/{i + 1}"), File.ReadAllLines(split.PathOf(SplitFiles.TrainFileName)));
    }

    [Fact]
    public void Hub_RerunIsACacheHit_PinnedCommitNeverDownloads_MovingMainRebuilds()
    {
        var spec = fixture.WriteSpec(Spec);
        var first = fixture.Run("fetch", spec).Output;
        var downloadsAfterFirst = CdnDownloads();

        var again = fixture.Run("fetch", spec).Output;
        var pinned = fixture.Run("fetch", fixture.WriteSpec(Spec.Replace("  dataset: stanfordnlp/imdb", $"  dataset: stanfordnlp/imdb\n  revision: {Main1}"), "pinned.yaml")).Output;

        Assert.Equal(first.Key, again.Key);
        Assert.Equal(first.Key, pinned.Key);
        Assert.Single(fixture.Published("fetch"));
        Assert.Equal(3, downloadsAfterFirst);
        Assert.Equal(downloadsAfterFirst, CdnDownloads());

        var changed = HubParquet.Shard(Train1.Name, HubParquet.Rows("train", 13, salt: 1));
        hub.AddCommit(Main2, HubParquet.Card(), Train0, changed, Test0, Unsupervised);
        hub.SetBranch("main", Main2);
        var moved = fixture.Run("fetch", spec).Output;

        Assert.NotEqual(first.Key, moved.Key);
        Assert.Equal(Main2, (string?)moved.Manifest.Summary["commit"]);
        Assert.Equal(downloadsAfterFirst + 1, CdnDownloads()); // only the shard whose content changed
    }

    [Fact]
    public void Hub_OfflineWithAPythonLayoutCache_ReadsTheSplitsWithoutOpeningASocket()
    {
        WritePythonCache(Main1, [HubParquet.Card(), Train0, Train1, Test0]);
        fixture.Environment["HF_HUB_OFFLINE"] = "1";
        var spec = fixture.WriteSpec(Spec);

        var ingest = fixture.Run("ingest", spec).Output;

        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        Assert.Equal(TrainRows.Length, reviews.Count(r => r.Split == ReviewSplit.Train));
        Assert.Equal(TestRows.Length, reviews.Count(r => r.Split == ReviewSplit.Test));
        Assert.Empty(hub.Requests);
    }

    [Fact]
    public void Hub_OfflineWithNothingCached_IsOneLineNamingTheDatasetAndTheFix()
    {
        fixture.Environment["HF_HUB_OFFLINE"] = "1";
        var spec = fixture.WriteSpec(Spec);

        var error = Assert.Throws<HubException>(() => fixture.Run("fetch", spec));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("Hub dataset 'stanfordnlp/imdb' at revision 'main'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_HUB_OFFLINE", error.Message, StringComparison.Ordinal);
        Assert.Contains("--repo-type dataset", error.Message, StringComparison.Ordinal);
        Assert.Empty(hub.Requests);
        Assert.Empty(fixture.Published("fetch"));
    }

    [Fact]
    public void Hub_TamperedBlobInTheCache_IsAnIntegrityErrorNamingTheFile()
    {
        WritePythonCache(Main1, [HubParquet.Card(), Train0, Train1, Test0]);
        var blob = Path.Join(RepoFolder, "blobs", Train1.Sha256);
        var bytes = File.ReadAllBytes(blob);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(blob, bytes);
        fixture.Environment["HF_HUB_OFFLINE"] = "1";
        var spec = fixture.WriteSpec(Spec);

        var error = Assert.Throws<HubException>(() => fixture.Run("fetch", spec));

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains(Train1.Name, error.Message, StringComparison.Ordinal);
        Assert.Contains(Train1.Sha256, error.Message, StringComparison.Ordinal);
        Assert.Empty(fixture.Published("fetch"));
    }

    [Fact]
    public void Hub_RepoWithoutTheConfig_IsOneLineNamingRepoRevisionConfigAndWhatExists()
    {
        var spec = fixture.WriteSpec(Spec.Replace("  dataset: stanfordnlp/imdb", "  dataset: stanfordnlp/imdb\n  config: sentiment"));

        var error = Assert.Throws<InvalidDataException>(() => fixture.Run("fetch", spec));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains($"Hub dataset '{Dataset}' at revision 'main', config 'sentiment' (commit {Main1})", error.Message, StringComparison.Ordinal);
        Assert.Contains("its configs are 'plain_text'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hub_SyntheticImdbAsAHubRepo_GivesTheSameTextsAndLabelsAsTheTarball()
    {
        var archive = Path.Join(fixture.Root, "aclImdb_v1.tar.gz");
        SyntheticImdb.WriteArchive(archive, reviewsPerLabel: 12, seed: 4);
        var fromArchive = ImdbIngester.Ingest(archive, Path.Join(fixture.Root, "archive-reviews.jsonl"), new IngestOptions(DedupeMode.None, Partial: true));
        Assert.True(fromArchive.Written.Total > 0);
        var archiveReviews = ReviewFile.Read(Path.Join(fixture.Root, "archive-reviews.jsonl"));
        // The Hub's stanfordnlp/imdb: each split negatives then positives, as the archive's folders list them.
        (string, long)[] Split(ReviewSplit split) => [.. archiveReviews.Where(r => r.Split == split).Select(r => (r.Text, (long)r.Label))];
        var commit = FakeHub.CommitId("synthetic");
        hub.AddCommit(commit, HubParquet.Card("plain_text", "train", "test"),
            HubParquet.Shard("plain_text/train-00000-of-00001.parquet", Split(ReviewSplit.Train), rowsPerGroup: 7),
            HubParquet.Shard("plain_text/test-00000-of-00001.parquet", Split(ReviewSplit.Test), rowsPerGroup: 7));
        var hubSpec = fixture.WriteSpec(Spec.Replace("  dataset: stanfordnlp/imdb", $"  dataset: stanfordnlp/imdb\n  revision: {commit}"), "hub.yaml");
        var tarSpec = fixture.WriteSpec($"""
            name: tarball
            data:
              source: imdb
              archive: {archive}
              partial: true
            model:
              init: random
            """, "tarball.yaml");

        var viaHub = ReviewFile.Read(fixture.Run("ingest", hubSpec).Output.PathOf(IngestStage.ReviewsFileName));
        var viaTarball = ReviewFile.Read(fixture.Run("ingest", tarSpec).Output.PathOf(IngestStage.ReviewsFileName));

        static string[] Multiset(IEnumerable<Review> reviews) => [.. reviews.Select(r => $"{r.Split}\u0001{r.Label}\u0001{r.Text}").Order(StringComparer.Ordinal)];
        Assert.Equal(archiveReviews.Count, viaHub.Count);
        Assert.Equal(Multiset(viaTarball), Multiset(viaHub));
    }

    int CdnDownloads() => hub.Requests.Count(r => r is { Method: "GET", ToCdn: true });

    /// <summary>
    /// The cache exactly as Python's huggingface_hub leaves it after load_dataset: blobs named by ETag (SHA-256 for LFS files,
    /// git blob SHA-1 otherwise), snapshots/{commit}/{path} as relative symlinks to them, refs/main holding the commit.
    /// </summary>
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
