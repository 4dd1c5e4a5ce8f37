using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Tests.Modeling.Hub;

public sealed class HubCacheTests : IDisposable
{
    private static readonly string Commit = FakeHub.CommitId("c");
    private readonly string _root = Directory.CreateTempSubdirectory("hub-cache-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("google-bert/bert-base-uncased", "models--google-bert--bert-base-uncased")]
    [InlineData("gpt2", "models--gpt2")]
    public void RepoFolderName_JoinsTypeAndIdWithDoubleDash(string repoId, string expected) =>
        Assert.Equal(expected, HubCache.RepoFolderName(repoId));

    [Theory]
    [InlineData("a/b/c")]
    [InlineData("org--x/name")]
    [InlineData("-org/name")]
    [InlineData("org/na..me")]
    [InlineData("org/name.git")]
    public void RepoFolderName_RejectsInvalidRepoIds(string repoId) =>
        Assert.Throws<ArgumentException>(() => HubCache.RepoFolderName(repoId));

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("sub\\file")]
    [InlineData("C:evil")]
    public void TryGetFile_RejectsFileNamesThatEscapeTheSnapshot(string fileName) =>
        Assert.Throws<ArgumentException>(() => new HubCache(_root).TryGetFile("org/name", Commit, fileName));

    [Fact]
    public void ResolveCommit_ReadsRefsForBranchesAndPassesCommitsThrough()
    {
        var cache = new HubCache(_root);
        Directory.CreateDirectory(Path.Join(_root, "models--org--name", "refs"));
        File.WriteAllText(Path.Join(_root, "models--org--name", "refs", "main"), Commit);

        Assert.Equal(Commit, cache.ResolveCommit("org/name", "main"));
        Assert.Equal(Commit, cache.ResolveCommit("org/name", Commit));
        Assert.Null(cache.ResolveCommit("org/name", "dev"));
    }

    [Fact]
    public void TryGetFile_IgnoresDanglingSymlinks()
    {
        var cache = new HubCache(_root);
        var snapshot = Directory.CreateDirectory(cache.SnapshotFolder("org/name", Commit)).FullName;
        File.CreateSymbolicLink(Path.Join(snapshot, "config.json"), "../../blobs/gone");

        Assert.Null(cache.TryGetFile("org/name", Commit, "config.json"));
    }

    [Fact]
    public void TryGetFile_FindsNestedFilesThroughRelativeLinks()
    {
        var cache = new HubCache(_root);
        var blob = Path.Join(_root, "models--org--name", "blobs", "abc");
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        File.WriteAllText(blob, "x");
        var pointer = Path.Join(cache.SnapshotFolder("org/name", Commit), "onnx", "model.onnx");

        HubCache.LinkPointer(blob, pointer, disableSymlinks: false);

        Assert.Equal(pointer, cache.TryGetFile("org/name", Commit, "onnx/model.onnx"));
        Assert.Equal(Path.Join("..", "..", "..", "blobs", "abc"), new FileInfo(pointer).LinkTarget);
    }
}
