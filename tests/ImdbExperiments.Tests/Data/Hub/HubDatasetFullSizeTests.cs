using System.Diagnostics;
using ImdbExperiments.Data;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Modeling.Hub;
using ImdbExperiments.Tests.Stages;
using ImdbExperiments.Tests.Support;
using Xunit.Abstractions;

namespace ImdbExperiments.Tests.Data.Hub;

/// <summary>
/// The check at full size: a Hugging Face cache laid out as Python leaves stanfordnlp/imdb after load_dataset
/// (plain_text/{train,test}-00000-of-00001.parquet written by Arrow's C++ writer, refs/main, snapshots linking to blobs),
/// read offline (HF_HUB_OFFLINE=1), gives 25,000 / 25,000 rows and the same (split, label, text) multiset as the tarball.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class HubDatasetFullSizeTests(ITestOutputHelper output) : IDisposable
{
    const int ReviewsPerSplit = 25_000;

    readonly PipelineFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    // 18-30 s on a busy 2-core machine, most of it the tarball (over the ~20 s a unit test may take): filter on the trait to run or skip it.
    [Fact, Trait("Category", "FullSize")]
    public void Hub_OfflineFullSizeImdbLayout_Gives25000TrainAnd25000TestRows_TheSameAsTheTarball()
    {
        var clock = Stopwatch.StartNew();
        var archive = Path.Join(fixture.Root, "aclImdb_v1.tar.gz");
        SyntheticImdb.WriteArchive(archive, reviewsPerLabel: ReviewsPerSplit / 2, seed: 11);
        var tarSpec = fixture.WriteSpec($"""
            name: tarball
            data:
              source: imdb
              archive: {archive}
            model:
              init: random
            """, "tarball.yaml");
        var viaTarball = ReviewFile.Read(fixture.Run("ingest", tarSpec).Output.PathOf(IngestStage.ReviewsFileName));
        var built = clock.Elapsed;

        // The Hub's files: each split negatives then positives, as the archive's folders list them; row groups of 1,000.
        (string, long)[] Rows(ReviewSplit split) => [.. viaTarball.Where(r => r.Split == split).Select(r => (r.Text, (long)r.Label))];
        var commit = FakeHub.CommitId("stanfordnlp-imdb-full");
        var repo = Path.Join(fixture.Root, "hf-hub", "datasets--stanfordnlp--imdb");
        FakeHubFile[] files =
        [
            HubParquet.Card("plain_text", "train", "test"),
            HubParquet.Shard("plain_text/train-00000-of-00001.parquet", Rows(ReviewSplit.Train), rowsPerGroup: 1000),
            HubParquet.Shard("plain_text/test-00000-of-00001.parquet", Rows(ReviewSplit.Test), rowsPerGroup: 1000),
        ];
        Directory.CreateDirectory(Path.Join(repo, "blobs"));
        Directory.CreateDirectory(Path.Join(repo, "refs"));
        File.WriteAllText(Path.Join(repo, "refs", "main"), commit);
        foreach (var file in files)
        {
            var blob = Path.Join(repo, "blobs", file.Etag);
            File.WriteAllBytes(blob, file.Content);
            var pointer = Path.Join(repo, "snapshots", commit, Path.Join(file.Name.Split('/')));
            Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob));
        }
        var converted = clock.Elapsed;
        fixture.Environment["HF_HUB_CACHE"] = Path.Join(fixture.Root, "hf-hub");
        fixture.Environment["HF_HUB_OFFLINE"] = "1";
        var hubSpec = fixture.WriteSpec("""
            name: hub
            data:
              source: hub
              dataset: stanfordnlp/imdb
            model:
              init: random
            """, "hub.yaml");

        var viaHub = ReviewFile.Read(fixture.Run("ingest", hubSpec).Output.PathOf(IngestStage.ReviewsFileName));
        output.WriteLine($"archive + tarball ingest {built.TotalSeconds:0.0} s, Parquet {(converted - built).TotalSeconds:0.0} s, hub ingest {(clock.Elapsed - converted).TotalSeconds:0.0} s");

        Assert.Equal(ReviewsPerSplit, viaHub.Count(r => r.Split == ReviewSplit.Train));
        Assert.Equal(ReviewsPerSplit, viaHub.Count(r => r.Split == ReviewSplit.Test));
        static string[] Multiset(IEnumerable<Review> reviews) => [.. reviews.Select(r => $"{r.Split}\u0001{r.Label}\u0001{r.Text}").Order(StringComparer.Ordinal)];
        Assert.Equal(Multiset(viaTarball), Multiset(viaHub));
    }
}
