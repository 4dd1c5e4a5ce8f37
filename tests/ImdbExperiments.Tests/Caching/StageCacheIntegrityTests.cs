using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Caching;

public sealed class StageCacheIntegrityTests
{
    static readonly IReadOnlyDictionary<string, string> Tools = new Dictionary<string, string> { ["imdbx"] = "test" };

    static StageRequest Request(int seed = 1) =>
        new("model", 1, new JsonObject { ["seed"] = seed }, new Dictionary<string, string>());

    static async Task<StageOutput> BuildAsync(StageCache cache, string content = "weights-0123456789", Action<string>? onCorrupt = null) =>
        await cache.GetOrBuildAsync(Request(), (context, ct) => File.WriteAllTextAsync(context.PathOf("model.safetensors"), content, ct), onCorrupt: onCorrupt);

    /// <summary>Flips one byte and puts the modification time back: what a same-size edit that hides itself looks like.</summary>
    static void EditInPlaceKeepingSizeAndTime(string path)
    {
        var time = File.GetLastWriteTimeUtc(path);
        var bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0x20;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, time);
    }

    [Fact]
    public async Task Hit_RebuildsAFileEditedInPlaceWithItsSizeAndTimeKept_SayingWhichFileDiffers()
    {
        using var temp = new TempFolder();
        var first = await BuildAsync(new StageCache(temp.Path, Tools));
        var published = first.Manifest.Files.Single().Sha256;
        EditInPlaceKeepingSizeAndTime(first.PathOf("model.safetensors"));
        var edited = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(first.PathOf("model.safetensors"))));

        var messages = new List<string>();
        var again = await BuildAsync(new StageCache(temp.Path, Tools), onCorrupt: messages.Add);

        Assert.False(again.CacheHit);
        Assert.Equal(published, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(again.PathOf("model.safetensors")))));
        var message = Assert.Single(messages);
        Assert.Contains("model " + StageKey.Short(Request().Key), message);
        Assert.Contains("model.safetensors", message);
        Assert.Contains("expected sha256 " + published[..12], message);
        Assert.Contains("found sha256 " + edited[..12], message);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public async Task Hit_WithUnchangedStamps_HashesNothing()
    {
        using var temp = new TempFolder();
        await BuildAsync(new StageCache(temp.Path, Tools), new string('x', 1 << 20));

        var cache = new StageCache(temp.Path, Tools);
        var hit = await BuildAsync(cache);

        Assert.True(hit.CacheHit);
        Assert.Equal(0, cache.BytesHashed);
        Assert.NotNull(hit.Manifest.Files.Single().Stamp);
    }

    [Fact]
    public async Task OldManifestWithoutStamps_IsHashedOnce_ThenTrustedByItsNewStamps()
    {
        using var temp = new TempFolder();
        var built = await BuildAsync(new StageCache(temp.Path, Tools));
        var manifestPath = built.PathOf(StageManifest.FileName);
        // A manifest as format 1 wrote it: no manifest_version, no stamps.
        var old = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        old.Remove("manifest_version");
        foreach (var file in old["files"]!.AsArray()) file!.AsObject().Remove("stamp");
        File.WriteAllText(manifestPath, old.ToJsonString());

        var upgrading = new StageCache(temp.Path, Tools);
        Assert.NotNull(upgrading.TryGet("model", Request().Key));
        Assert.Equal(built.Manifest.Files.Single().Size, upgrading.BytesHashed);

        var upgraded = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        Assert.Equal(StageManifest.CurrentVersion, (int)upgraded["manifest_version"]!);
        Assert.NotNull(upgraded["files"]![0]!["stamp"]);
        // Only the stamps were added: everything the old manifest said is unchanged.
        upgraded.Remove("manifest_version");
        foreach (var file in upgraded["files"]!.AsArray()) file!.AsObject().Remove("stamp");
        Assert.True(JsonNode.DeepEquals(old, upgraded));

        var later = new StageCache(temp.Path, Tools);
        Assert.NotNull(later.TryGet("model", Request().Key));
        Assert.Equal(0, later.BytesHashed);
    }

    [Fact]
    public async Task Manifest_ListingAPathOutsideItsFolder_IsNotAHit()
    {
        using var temp = new TempFolder();
        var built = await BuildAsync(new StageCache(temp.Path, Tools));
        File.WriteAllText(temp.Combine("outside.txt"), "weights-0123456789");
        var manifestPath = built.PathOf(StageManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["files"]![0]!["path"] = "../../outside.txt";
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var cache = new StageCache(temp.Path, Tools);
        Assert.Null(cache.TryGet("model", Request().Key));
        Assert.Equal(0, cache.BytesHashed);
        var report = Assert.Single(cache.Verify(repair: false));
        Assert.Equal(CacheEntryStatus.Incomplete, report.Status);
        Assert.Contains("../../outside.txt", report.Detail);
    }

    [Fact]
    public async Task Manifest_WithANullFileEntry_IsNotAHit_AndThrowsNothing()
    {
        using var temp = new TempFolder();
        var built = await BuildAsync(new StageCache(temp.Path, Tools));
        var manifestPath = built.PathOf(StageManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["files"]![0]!["path"] = null;
        File.WriteAllText(manifestPath, manifest.ToJsonString());

        var cache = new StageCache(temp.Path, Tools);
        Assert.Null(cache.TryGet("model", Request().Key));
        Assert.Equal(CacheEntryStatus.Incomplete, Assert.Single(cache.Verify(repair: false)).Status);
    }

    [Fact]
    public async Task Verify_ReportsCorruptIncompleteAndOrphanedFolders_AndRepairRemovesThem()
    {
        using var temp = new TempFolder();
        var cache = new StageCache(temp.Path, Tools);
        var good = await cache.GetOrBuildAsync(new StageRequest("split", 1, null, new Dictionary<string, string>()),
            (context, ct) => File.WriteAllTextAsync(context.PathOf("train.ids"), "1\n2\n", ct));
        var corrupt = await BuildAsync(cache);
        EditInPlaceKeepingSizeAndTime(corrupt.PathOf("model.safetensors"));
        var incomplete = await cache.GetOrBuildAsync(Request(2), (context, ct) => File.WriteAllTextAsync(context.PathOf("a"), "a", ct));
        File.Delete(incomplete.PathOf("a"));
        var orphan = Path.Combine(temp.Path, "model", $".tmp-{Request(3).Key}-12345-{Guid.NewGuid():N}");
        Directory.CreateDirectory(orphan);

        var reports = new StageCache(temp.Path, Tools).Verify(repair: false);

        Assert.Equal(CacheEntryStatus.Ok, reports.Single(r => r.Key == good.Key).Status);
        var bad = reports.Single(r => r.Key == corrupt.Key);
        Assert.Equal(CacheEntryStatus.Corrupt, bad.Status);
        Assert.Contains("model.safetensors", bad.Detail);
        Assert.Equal(CacheEntryStatus.Incomplete, reports.Single(r => r.Key == incomplete.Key).Status);
        Assert.Equal(CacheEntryStatus.Orphaned, reports.Single(r => r.Key == Request(3).Key).Status);
        Assert.Equal(3, reports.Count(r => r.IsProblem));
        Assert.True(Directory.Exists(corrupt.Directory));

        var repaired = new StageCache(temp.Path, Tools).Verify(repair: true);

        Assert.All(repaired.Where(r => r.IsProblem), r => Assert.True(r.Removed));
        Assert.False(Directory.Exists(corrupt.Directory));
        Assert.False(Directory.Exists(incomplete.Directory));
        Assert.False(Directory.Exists(orphan));
        Assert.True(Directory.Exists(good.Directory));
        Assert.DoesNotContain(new StageCache(temp.Path, Tools).Verify(repair: false), r => r.IsProblem);
    }

    [Fact]
    public void Verify_LeavesATemporaryFolderAloneWhileItsBuildHoldsTheKeyLock()
    {
        using var temp = new TempFolder();
        var key = Request().Key;
        var building = Path.Combine(temp.Path, "model", $".tmp-{key}-12345-{Guid.NewGuid():N}");
        Directory.CreateDirectory(building);
        using var held = FileLock.TryAcquire(Path.Combine(temp.Path, "model", ".locks", key + ".lock"));
        Assert.NotNull(held);

        var report = Assert.Single(new StageCache(temp.Path, Tools).Verify(repair: true));

        Assert.Equal(CacheEntryStatus.Building, report.Status);
        Assert.False(report.IsProblem);
        Assert.True(Directory.Exists(building));
    }
}
