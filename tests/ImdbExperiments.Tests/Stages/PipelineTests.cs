using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Stages;

public sealed class PipelineTests
{
    [Fact]
    public void Split_SecondRunIsAllCacheHits()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);

        var (first, firstLog) = fixture.Run("split", spec);
        var (second, secondLog) = fixture.Run("split", spec);

        Assert.Equal(["fetch", "ingest", "split"], Statuses(firstLog).Select(s => s.Stage));
        Assert.All(Statuses(firstLog), s => Assert.Equal("built", s.Status));
        Assert.All(Statuses(secondLog), s => Assert.Equal("cache hit", s.Status));
        Assert.Equal(first.Key, second.Key);
        Assert.Equal(36 + 36, (int)first.Manifest.Summary["train"]!["count"]!);
        Assert.Equal(4 + 4, (int)first.Manifest.Summary["validation"]!["count"]!);
        Assert.Equal(80, (int)first.Manifest.Summary["test"]!["count"]!);
    }

    [Fact]
    public void Split_IsByteIdenticalAfterClean()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);

        var before = fixture.Run("split", spec).Output;
        var files = before.Manifest.Files.ToDictionary(f => f.Path, f => File.ReadAllBytes(before.PathOf(f.Path)));
        Directory.Delete(Path.Combine(fixture.Artifacts, "cache"), recursive: true);
        var after = fixture.Run("split", spec).Output;

        Assert.False(after.CacheHit);
        Assert.Equal(before.Key, after.Key);
        Assert.Equal((string)before.Manifest.Summary["split_hash"]!, (string)after.Manifest.Summary["split_hash"]!);
        foreach (var (path, bytes) in files) Assert.Equal(bytes, File.ReadAllBytes(after.PathOf(path)));
    }

    [Fact]
    public void ChangingTheSeed_RebuildsOnlySplit()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        // Same synthetic corpus (its own seed pinned to 7), another split seed.
        var synthetic = fixture.WriteSpec(PipelineFixture.SyntheticSpec
            .Replace("seed: 7", "seed: 8")
            .Replace("reviews_per_label: 40", "reviews_per_label: 40\n    seed: 7"), "reseeded.yaml");

        var first = fixture.Run("split", spec).Output;
        var (second, log) = fixture.Run("split", synthetic);

        Assert.Equal(["cache hit", "cache hit", "built"], Statuses(log).Select(s => s.Status));
        Assert.NotEqual((string)first.Manifest.Summary["split_hash"]!, (string)second.Manifest.Summary["split_hash"]!);
    }

    [Fact]
    public void Force_RebuildsTheNamedStageOnly()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        fixture.Run("split", spec);

        var (_, log) = fixture.Run("split", spec, force: "ingest");

        Assert.Equal(["cache hit", "built", "cache hit"], Statuses(log).Select(s => s.Status));
    }

    [Fact]
    public void LocalArchive_FromEnvironment_IsVerifiedAgainstAGivenHash_AndNothingIsPublishedOnMismatch()
    {
        using var fixture = new PipelineFixture();
        var archive = Path.Combine(fixture.Root, "aclImdb_v1.tar.gz");
        SyntheticImdb.WriteArchive(archive, 20, seed: 1);
        var before = File.ReadAllBytes(archive);
        fixture.Environment[ImdbExperiments.Stages.FetchStage.ArchiveEnvironmentVariable] = archive;
        var spec = fixture.WriteSpec($"""
            data:
              partial: true
              sha256: {new string('a', 64)}
            model:
              init: random
            """);

        var error = Assert.Throws<ChecksumMismatchException>(() => fixture.Run("split", spec));

        Assert.Contains(new string('a', 64), error.Message);
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(before)), error.Message);
        Assert.Empty(fixture.Published("fetch"));
        Assert.Equal(before, File.ReadAllBytes(archive));  // the user's file is untouched
    }

    [Fact]
    public void LocalArchive_WithoutAGivenHash_IsRecordedAndUsedInPlace()
    {
        using var fixture = new PipelineFixture();
        var archive = Path.Combine(fixture.Root, "reviews.tar.gz");
        SyntheticImdb.WriteArchive(archive, 20, seed: 1);
        var spec = fixture.WriteSpec("""
            data:
              archive: reviews.tar.gz
              partial: true
            model:
              init: random
            """);

        var fetch = fixture.Run("fetch", spec).Output;

        Assert.Equal(archive, ImdbExperiments.Stages.FetchStage.ArchivePath(fetch));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(archive))), ImdbExperiments.Stages.FetchStage.ArchiveSha256(fetch));
        Assert.DoesNotContain(fetch.Manifest.Files, f => f.Path.EndsWith(".tar.gz"));
    }

    [Fact]
    public void FullArchiveRequired_UnlessPartial_WithCountsInTheError()
    {
        using var fixture = new PipelineFixture();
        var archive = Path.Combine(fixture.Root, "small.tar.gz");
        SyntheticImdb.WriteArchive(archive, 20, seed: 1);
        var spec = fixture.WriteSpec("""
            data:
              archive: small.tar.gz
            model:
              init: random
            """);

        var error = Assert.ThrowsAny<Exception>(() => fixture.Run("ingest", spec));

        Assert.Contains("12,500", error.Message.Replace("12500", "12,500"));
        Assert.Contains("partial", error.Message);
        Assert.Empty(fixture.Published("ingest"));
    }

    [Fact]
    public void TruncatedArchive_IsAClearError_AndNothingIsPublished()
    {
        using var fixture = new PipelineFixture();
        var full = Path.Combine(fixture.Root, "full.tar.gz");
        SyntheticImdb.WriteArchive(full, 20, seed: 1);
        var bytes = File.ReadAllBytes(full);
        File.WriteAllBytes(Path.Combine(fixture.Root, "cut.tar.gz"), bytes[..(bytes.Length / 2)]);
        var spec = fixture.WriteSpec("""
            data:
              archive: cut.tar.gz
              partial: true
            model:
              init: random
            """);

        var error = Assert.ThrowsAny<Exception>(() => fixture.Run("split", spec));

        Assert.Contains("cut.tar.gz", error.Message);
        Assert.Empty(fixture.Published("ingest"));
        Assert.Empty(fixture.Published("split"));
    }

    [Fact]
    public void ArchiveWithAnEntryEscapingTheRoot_IsRejected()
    {
        using var fixture = new PipelineFixture();
        var archive = Path.Combine(fixture.Root, "evil.tar.gz");
        using (var file = File.Create(archive))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, "aclImdb/train/pos/../../../../escape/1_9.txt")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("A wonderful film.")),
            };
            tar.WriteEntry(entry);
        }
        var spec = fixture.WriteSpec("""
            data:
              archive: evil.tar.gz
              partial: true
            model:
              init: random
            """);

        var error = Assert.ThrowsAny<Exception>(() => fixture.Run("ingest", spec));

        Assert.Contains("outside the archive root", error.Message);
        Assert.Contains("aclImdb/train/pos/../../../../escape/1_9.txt", error.Message);
        Assert.Empty(fixture.Published("ingest"));
    }

    [Fact]
    public async Task TwoProcessesSplittingAtOnce_BothSucceed_AndEachStageIsBuiltOnce()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec.Replace("reviews_per_label: 40", "reviews_per_label: 2000"));
        var cli = Path.Combine(AppContext.BaseDirectory, "imdbx.dll");

        Task<(int Code, string Output)> Start() => Task.Run(() =>
        {
            var info = new ProcessStartInfo("dotnet", [cli, "split", "--experiment", spec, "--artifacts", fixture.Artifacts])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = fixture.Root,
            };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, output.Result + error.Result);
        });

        var results = await Task.WhenAll(Start(), Start());

        Assert.All(results, r => Assert.True(r.Code == 0, r.Output));
        var statuses = results.SelectMany(r => Statuses(r.Output)).ToArray();
        foreach (var stage in new[] { "fetch", "ingest", "split" })
        {
            Assert.Single(statuses, s => s.Stage == stage && s.Status == "built");
            Assert.Single(statuses, s => s.Stage == stage && s.Status == "cache hit");
        }
        Assert.Single(fixture.Published("split"));
    }

    [Fact]
    public void UnknownForcedStage_IsAnErrorListingTheStages()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);

        var error = Assert.Throws<ArgumentException>(() => fixture.Run("split", spec, force: "splt"));

        Assert.Contains("--force=splt", error.Message);
        Assert.Contains("fetch, ingest, split", error.Message);
    }

    static IReadOnlyList<(string Stage, string Status)> Statuses(string log) =>
        log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => (Stage: line[..10].Trim(), Status: line.Length > 19 ? line[10..19].Trim() : ""))
            .Where(s => s.Status is "built" or "cache hit")
            .ToArray();
}
