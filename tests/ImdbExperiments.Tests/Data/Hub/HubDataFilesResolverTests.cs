using ImdbExperiments.Data.Hub;
using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Data.Hub;

/// <summary>
/// Which files make a split, as datasets' data_files.py resolves a repo: the card's configs → data_files first; without
/// configs SPLIT_PATTERN_SHARDED (data/{split}-NNNNN-of-NNNNN*.*), then the split keywords (SPLIT_KEYWORDS) as folder and
/// file names (KEYWORDS_IN_DIR_NAME_BASE_PATTERNS / KEYWORDS_IN_FILENAME_BASE_PATTERNS for fsspec ≥ 2023.12).
/// </summary>
public sealed class HubDataFilesResolverTests
{
    static readonly string Commit = new('a', 40);

    static HubRepoListing Listing(params string[] paths) =>
        new(HubRepo.Dataset("acme/reviews"), "main", Commit, [.. paths.Select(p => new HubRepoFile(p, 10, new string('b', 40), null))], FromCache: false);

    static HubDatasetRequest Request(string config = "default") => new("acme/reviews", "main", config, "train", "test");

    [Fact]
    public void Resolve_CardConfigs_SelectTheConfigsPatternsWithShardsInSortedOrder()
    {
        var card = "---\nconfigs:\n- config_name: plain_text\n  data_files:\n  - split: train\n    path: plain_text/train-*\n  - split: test\n    path: [plain_text/test-*]\n---\n";

        var files = HubDataFilesResolver.Resolve(
            Listing("README.md", "plain_text/train-00001-of-00002.parquet", "plain_text/test-00000-of-00001.parquet", "plain_text/train-00000-of-00002.parquet", "other/train-0.parquet"),
            card, Request("plain_text"));

        Assert.Equal(["plain_text/train-00000-of-00002.parquet", "plain_text/train-00001-of-00002.parquet"], files.Train.Select(f => f.Path));
        Assert.Equal(["plain_text/test-00000-of-00001.parquet"], files.Test.Select(f => f.Path));
    }

    [Fact]
    public void Resolve_NoConfigs_UsesTheShardedDataPatternBeforeKeywordPatterns()
    {
        var files = HubDataFilesResolver.Resolve(
            Listing("data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet", "extra/train.parquet", ".hidden/test.parquet"), null, Request());

        Assert.Equal(["data/train-00000-of-00001.parquet"], files.Train.Select(f => f.Path));
        Assert.Equal(["data/test-00000-of-00001.parquet"], files.Test.Select(f => f.Path));
    }

    [Fact]
    public void Resolve_NoConfigs_FindsSplitKeywordsInFileNamesUnderTheConfigFolder()
    {
        var files = HubDataFilesResolver.Resolve(
            Listing("plain_text/training.parquet", "plain_text/eval-part.parquet", "plain_text/.cache/test.parquet", "README.md"), null, Request("plain_text"));

        Assert.Equal(["plain_text/training.parquet"], files.Train.Select(f => f.Path));
        Assert.Equal(["plain_text/eval-part.parquet"], files.Test.Select(f => f.Path));
    }

    [Fact]
    public void Resolve_SplitWithANonParquetFile_IsRefusedNamingTheFile()
    {
        var error = Assert.Throws<InvalidDataException>(() => HubDataFilesResolver.Resolve(
            Listing("data/train-00000-of-00001.csv", "data/test-00000-of-00001.parquet"), null, Request()));

        Assert.Contains("'data/train-00000-of-00001.csv', which is not a .parquet file", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Hub dataset 'acme/reviews' at revision 'main', config 'default' (commit {Commit})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ConfigWithoutTheSplit_NamesTheSplitsItHas()
    {
        var card = "---\nconfigs:\n- config_name: default\n  data_files:\n    train: a/*.parquet\n    validation: b/*.parquet\n---\n";

        var error = Assert.Throws<InvalidDataException>(() => HubDataFilesResolver.Resolve(Listing("a/x.parquet", "b/y.parquet"), card, Request()));

        Assert.Contains("has no split 'test'; its splits are 'train', 'validation'", error.Message, StringComparison.Ordinal);
    }
}
