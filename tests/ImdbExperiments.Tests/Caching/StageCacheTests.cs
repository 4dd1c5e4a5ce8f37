using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Caching;

public sealed class StageCacheTests
{
    static readonly IReadOnlyDictionary<string, string> NoUpstream = new Dictionary<string, string>();
    static readonly IReadOnlyDictionary<string, string> Tools = new Dictionary<string, string> { ["imdbx"] = "test" };

    static StageRequest Request(int seed = 1) =>
        new("split", 1, new JsonObject { ["seed"] = seed }, new Dictionary<string, string> { ["ingest"] = "abc" });

    [Fact]
    public async Task Build_PublishesOutputWithManifestListingEveryFile()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);

        var output = await cache.GetOrBuildAsync(Request(), async (context, ct) =>
        {
            await File.WriteAllTextAsync(context.PathOf("train.ids"), "a\nb\n", ct);
            Directory.CreateDirectory(context.PathOf("sub"));
            await File.WriteAllTextAsync(context.PathOf("sub/x.txt"), "x", ct);
            context.Summary["train"] = 2;
        });

        Assert.False(output.CacheHit);
        Assert.Equal(cache.DirectoryOf("split", Request().Key), output.Directory);
        Assert.Equal(["sub/x.txt", "train.ids"], output.Manifest.Files.Select(f => f.Path));
        Assert.Equal(4, output.Manifest.Files.Single(f => f.Path == "train.ids").Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("a\nb\n"u8)),
            output.Manifest.Files.Single(f => f.Path == "train.ids").Sha256);
        Assert.Equal(2, (int)output.Manifest.Summary["train"]!);
        Assert.Equal(new Dictionary<string, string> { ["ingest"] = "abc" }, output.Manifest.Upstream);
        Assert.Equal(["manifest.json", "sub", "train.ids"],
            Directory.EnumerateFileSystemEntries(output.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(temp.Path, "split")), d => Path.GetFileName(d).StartsWith(".tmp-"));
    }

    [Fact]
    public async Task SecondRequest_IsACacheHit_AndDoesNotBuild()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);
        var builds = 0;
        Task Build(StageBuildContext context, CancellationToken ct) { builds++; return File.WriteAllTextAsync(context.PathOf("f"), "1", ct); }

        await cache.GetOrBuildAsync(Request(), Build);
        var again = await new StageCache(temp.Path, Tools).GetOrBuildAsync(Request(), Build);

        Assert.True(again.CacheHit);
        Assert.Equal(1, builds);
    }

    [Fact]
    public async Task Force_RebuildsAndReplacesThePublishedOutput()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);
        var builds = 0;
        Task Build(StageBuildContext context, CancellationToken ct) => File.WriteAllTextAsync(context.PathOf("f"), $"{++builds}", ct);

        await cache.GetOrBuildAsync(Request(), Build);
        var rebuilt = await cache.GetOrBuildAsync(Request(), Build, force: true);

        Assert.False(rebuilt.CacheHit);
        Assert.Equal("2", File.ReadAllText(rebuilt.PathOf("f")));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(temp.Path, "split")), d => !Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public async Task FailedBuild_PublishesNothing_AndLeavesNoTemporaryFolder()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);

        await Assert.ThrowsAsync<InvalidDataException>(() => cache.GetOrBuildAsync(Request(), async (context, ct) =>
        {
            await File.WriteAllTextAsync(context.PathOf("half"), "written", ct);
            throw new InvalidDataException("truncated archive");
        }));

        Assert.Null(cache.TryGet("split", Request().Key));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(temp.Path, "split")), d => Path.GetFileName(d) != ".locks");
    }

    [Fact]
    public async Task FolderWithoutCompleteManifest_DoesNotExist_AndIsRebuilt()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);
        var output = await cache.GetOrBuildAsync(Request(), (context, ct) => File.WriteAllTextAsync(context.PathOf("f"), "12345", ct));

        File.WriteAllText(output.PathOf("f"), "1");  // a file shorter than the manifest says
        Assert.Null(cache.TryGet("split", Request().Key));
        File.WriteAllText(output.PathOf("manifest.json"), "{ \"stage\": ");  // a torn manifest
        Assert.Null(cache.TryGet("split", Request().Key));

        var rebuilt = await cache.GetOrBuildAsync(Request(), (context, ct) => File.WriteAllTextAsync(context.PathOf("f"), "12345", ct));
        Assert.False(rebuilt.CacheHit);
        Assert.NotNull(cache.TryGet("split", Request().Key));
    }

    [Fact]
    public async Task ConcurrentBuildersOfOneKey_BuildOnce_AndBothGetTheOutput()
    {
        using var temp = new TempFolder();
        var builds = 0;
        var waits = 0;
        async Task Build(StageBuildContext context, CancellationToken ct)
        {
            Interlocked.Increment(ref builds);
            await Task.Delay(500, ct);
            await File.WriteAllTextAsync(context.PathOf("f"), "done", ct);
        }

        var first = new StageCache(temp.Path, Tools).GetOrBuildAsync(Request(), Build, onWait: _ => Interlocked.Increment(ref waits));
        var second = new StageCache(temp.Path, Tools).GetOrBuildAsync(Request(), Build, onWait: _ => Interlocked.Increment(ref waits));
        var outputs = await Task.WhenAll(first, second);

        Assert.Equal(1, builds);
        Assert.Equal(1, waits);
        Assert.Single(outputs, o => o.CacheHit);
        Assert.All(outputs, o => Assert.Equal("done", File.ReadAllText(o.PathOf("f"))));
    }

    [Fact]
    public void Key_DependsOnStageVersionInputsAndUpstream_NotOnPropertyOrder()
    {
        var key = Request().Key;
        Assert.Equal(64, key.Length);
        Assert.Equal(key, Request().Key);
        Assert.NotEqual(key, Request(seed: 2).Key);
        Assert.NotEqual(key, new StageRequest("split", 2, new JsonObject { ["seed"] = 1 }, Request().Upstream).Key);
        Assert.NotEqual(key, new StageRequest("split", 1, new JsonObject { ["seed"] = 1 }, new Dictionary<string, string> { ["ingest"] = "abd" }).Key);
        Assert.NotEqual(key, new StageRequest("tokenize", 1, new JsonObject { ["seed"] = 1 }, Request().Upstream).Key);

        var ab = new StageRequest("s", 1, JsonNode.Parse("""{"a":1,"b":{"x":[1,2],"y":null}}"""), NoUpstream);
        var ba = new StageRequest("s", 1, JsonNode.Parse("""{"b":{"y":null,"x":[1,2]},"a":1}"""), NoUpstream);
        Assert.Equal(ab.Key, ba.Key);
    }
}
