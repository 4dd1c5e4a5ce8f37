using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Data.Hub;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// fetch: the verified IMDb archive. A synthetic archive is generated; a local archive (data.archive or
/// IMDB_ARCHIVE) is verified and referenced in place, never copied or modified; otherwise the archive is
/// downloaded (resumable, mirrors, SHA-256). Keyed by the expected SHA-256 when there is one, so a download
/// and a local copy of the same bytes share one key and everything downstream of it.
/// </summary>
public sealed class FetchStage : Stage<FetchStage.FetchInputs, FetchStage.FetchSummary>
{
    /// <summary>What the fetched bytes are (the key), and, in properties kept out of the key, where they come from.</summary>
    public abstract record FetchInputs([property: JsonPropertyName("source")] string Source) : StageInputs
    {
        protected override IEnumerable<string> DerivedFrom => ["data.source"];
    }

    /// <summary>data.source: synthetic: the generated archive, from its size, seed and generator version.</summary>
    public sealed record SyntheticFetchInputs(
        [property: FromSpec("data.synthetic.reviews_per_label"), JsonPropertyName("reviews_per_label")] int ReviewsPerLabel,
        int Seed, int GeneratorVersion, [property: JsonIgnore] bool SeedFromSpec) : FetchInputs("synthetic")
    {
        // data.synthetic.seed, else the spec's seed.
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.synthetic.seed", .. SeedFromSpec ? new[] { "seed" } : []];
    }

    /// <summary>
    /// The IMDb archive by its expected SHA-256: a download and a local copy of the same bytes share the key, so the URLs and the
    /// local file are where to get the bytes, not what they are. The hash is data.sha256, else the known hash of the default URL.
    /// </summary>
    public sealed record ImdbHashFetchInputs(
        string Sha256,
        [property: JsonIgnore] string? LocalPath, [property: JsonIgnore] string? LocalOrigin, [property: JsonIgnore] IReadOnlyList<Uri> Urls,
        [property: JsonIgnore] bool FromDefaultUrl) : FetchInputs("imdb")
    {
        // Without data.sha256, the hash comes from data.url being the default and no local archive (which is never assumed to be IMDb's).
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.sha256", .. FromDefaultUrl ? new[] { "data.url", "data.archive" } : []];
    }

    /// <summary>A local archive with no expected hash: identified by where it is and what it looks like.</summary>
    public sealed record ImdbLocalFetchInputs(
        string Archive, long Size, string ModifiedUtc, [property: JsonIgnore] string LocalOrigin) : FetchInputs("imdb")
    {
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.sha256", "data.archive"];
    }

    /// <summary>A download with no expected hash: identified by its URLs (data.url, then data.mirrors).</summary>
    public sealed record ImdbUrlsFetchInputs([property: JsonIgnore] IReadOnlyList<Uri> Locations) : FetchInputs("imdb")
    {
        public IReadOnlyList<string> Urls => [.. Locations.Select(u => u.ToString())];
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.sha256", "data.archive", "data.url", "data.mirrors"];
    }

    /// <summary>
    /// data.source: hub: the dataset, the commit the revision resolved to and every shard's hash (the key, as
    /// <see cref="HubDatasetFetch"/> resolves them once per run); the request it was resolved from and the resolution are what
    /// the build reads, kept out of the key, since the commit and the shards' hashes say what the bytes are.
    /// </summary>
    public sealed record HubFetchInputs([property: JsonIgnore] HubDatasetRequest Request, [property: JsonIgnore] HubDataFiles? Files) : FetchInputs("hub")
    {
        protected override IEnumerable<string> DerivedFrom => [.. base.DerivedFrom, "data.dataset", "data.revision", "data.config", "data.splits"];

        public override JsonObject ToKeyJson() => HubDatasetFetch.KeyJson(Request, Files);
    }

    /// <summary>The fetch summary other stages and the run record read: the bytes' hash, and for a Hub dataset its commit.</summary>
    public sealed record FetchSummary(string? Path, string? Sha256, long? Size, string? Source, bool? Downloaded, string? Commit);

    public const string ArchiveEnvironmentVariable = "IMDB_ARCHIVE";
    const string ArchiveFileName = "aclImdb_v1.tar.gz";
    const string RecordFileName = "archive.json";

    public override string Name => "fetch";
    public override int FormatVersion => 1;

    protected override FetchInputs Project(PipelineContext context)
    {
        var spec = context.Spec.Spec;
        var data = spec.Data;
        if (data.Source == DataSource.Files) return TableFilesFetch.Inputs(context);
        if (data.Source == DataSource.Hub) return new HubFetchInputs(HubDatasetFetch.Request(data), HubDatasetFetch.Files(context));
        if (data.Source == DataSource.Synthetic)
            return new SyntheticFetchInputs(data.Synthetic.ReviewsPerLabel, data.Synthetic.Seed ?? spec.Seed, SyntheticImdb.FormatVersion, data.Synthetic.Seed is null);
        var local = LocalArchive(context);
        if (data.ExpectedSha256(localArchive: local is not null) is { } sha256)
            return new ImdbHashFetchInputs(sha256, local?.Path, local?.Origin, Urls(data), FromDefaultUrl: data.Sha256 is null);
        if (local is { } archive)
        {
            // No expected hash: identify the file by where it is and what it looks like.
            var info = new FileInfo(archive.Path);
            return new ImdbLocalFetchInputs(info.FullName, info.Length, info.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture), archive.Origin);
        }
        return new ImdbUrlsFetchInputs(Urls(data));
    }

    public override async Task PrepareInputsAsync(PipelineContext context, CancellationToken cancellationToken)
    {
        if (context.Spec.Spec.Data.Source != DataSource.Hub) return;
        await HubDatasetFetch.PrepareAsync(context, cancellationToken);
        // A projection made before the lookup (a cached-output check) saw no resolution: project again from it.
        Reproject(context);
    }

    protected override async Task BuildAsync(FetchInputs inputs, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        FetchResult result;
        string recordedPath;
        switch (inputs)
        {
            case TableFilesFetch.TableFilesFetchInputs files:
                await TableFilesFetch.BuildAsync(files, output, cancellationToken);
                return;
            case HubFetchInputs hub:
                await HubDatasetFetch.BuildAsync(hub.Request, hub.Files ?? throw new InvalidOperationException("fetch: the Hub dataset was not resolved before its build."),
                    services, output, cancellationToken);
                return;
            case SyntheticFetchInputs synthetic:
            {
                var path = output.PathOf(ArchiveFileName);
                SyntheticImdb.WriteArchive(path, synthetic.ReviewsPerLabel, synthetic.Seed);
                result = await ArchiveFetcher.VerifyLocalAsync(path, null, null, cancellationToken);
                result = result with { Source = "synthetic", Downloaded = false };
                recordedPath = ArchiveFileName;
                break;
            }
            case ImdbHashFetchInputs { LocalPath: { } localPath } local:
                result = await VerifyLocalAsync(localPath, local.LocalOrigin!, local.Sha256, services, cancellationToken);
                recordedPath = result.Path;
                break;
            case ImdbLocalFetchInputs local:
                result = await VerifyLocalAsync(local.Archive, local.LocalOrigin, null, services, cancellationToken);
                recordedPath = result.Path;
                break;
            default:
                var (urls, sha256) = inputs switch
                {
                    ImdbHashFetchInputs hash => (hash.Urls, (string?)hash.Sha256),
                    ImdbUrlsFetchInputs download => (download.Locations, null),
                    _ => throw new InvalidOperationException($"fetch: no build for {inputs.GetType().Name}."),
                };
                result = await DownloadAsync(urls, sha256, services, output, cancellationToken);
                recordedPath = ArchiveFileName;
                break;
        }

        var record = new JsonObject
        {
            ["path"] = recordedPath,
            ["sha256"] = result.Sha256,
            ["size"] = result.Size,
            ["source"] = result.Source,
            ["downloaded"] = result.Downloaded,
        };
        await File.WriteAllTextAsync(output.PathOf(RecordFileName), record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        foreach (var (name, value) in record) output.Summary[name] = value?.DeepClone();
    }

    public override string Describe(StageOutput output) => output.Manifest.Summary["commit"] is not null
        ? HubDatasetFetch.Describe(output.Manifest.Summary)
        : $"{Path.GetFileName((string?)output.Manifest.Summary["path"])} sha256 {StageKey.Short((string?)output.Manifest.Summary["sha256"] ?? "")} " +
        $"({(long?)output.Manifest.Summary["size"] / 1e6:0.0} MB, {(string?)output.Manifest.Summary["source"]})";

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) =>
        File.Exists(output.PathOf(TableFilesFetch.RecordFileName))
            ? TableFilesFetch.Read(output).ToDictionary(f => f.Role, f => f.Path)
            : File.Exists(output.PathOf(HubDatasetFetch.RecordFileName))
            ? HubDatasetFetch.Read(output).ToDictionary(s => $"{s.Role}:{s.RepoPath}", s => s.LocalPath)
            : new Dictionary<string, string> { ["archive"] = ArchivePath(output), ["record"] = output.PathOf(RecordFileName) };

    /// <summary>The verified archive: in the stage folder, or the user's own file where it is.</summary>
    public static string ArchivePath(StageOutput fetch)
    {
        var record = JsonNode.Parse(File.ReadAllText(fetch.PathOf(RecordFileName)))!;
        return Path.Combine(fetch.Directory, (string)record["path"]!);
    }

    public static string ArchiveSha256(StageOutput fetch) =>
        ReadSummary(fetch).Sha256 ?? throw new InvalidDataException($"{fetch.Directory}: the fetch manifest records no sha256.");

    static async Task<FetchResult> VerifyLocalAsync(string path, string origin, string? expectedSha256, StageServices services, CancellationToken cancellationToken)
    {
        try
        {
            using var bar = new TransferBar(services.Progress, $"verify {Path.GetFileName(path)}");
            return await ArchiveFetcher.VerifyLocalAsync(path, expectedSha256, bar, cancellationToken);
        }
        catch (ChecksumMismatchException e)
        {
            throw new ChecksumMismatchException(e.Location, e.ExpectedSha256, e.ActualSha256,
                $"{e.Message} (archive from {origin}; expected hash from data.sha256 in {services.SpecFile}: set it to {e.ActualSha256} or to null if this is the file you mean.)");
        }
    }

    static async Task<FetchResult> DownloadAsync(IReadOnlyList<Uri> urls, string? sha256, StageServices services, StageBuildContext output, CancellationToken cancellationToken)
    {
        var destination = Path.Combine(services.DownloadsDirectory, output.Key, ArchiveFileName);
        FetchResult result;
        using (var bar = new TransferBar(services.Progress, $"download {ArchiveFileName}"))
        using (var fetcher = new ArchiveFetcher())
            result = await fetcher.DownloadAsync(new ArchiveDownload(urls, sha256), destination, bar, cancellationToken);
        File.Move(result.Path, output.PathOf(ArchiveFileName));
        Directory.Delete(Path.GetDirectoryName(destination)!, recursive: true);
        return result;
    }

    static IReadOnlyList<Uri> Urls(DataSpec data) => [new Uri(data.Url), .. data.Mirrors.Select(m => new Uri(m))];

    /// <summary>data.archive, else IMDB_ARCHIVE; a path that does not exist is an error that says which setting gave it.</summary>
    static (string Path, string Origin)? LocalArchive(PipelineContext context)
    {
        var (path, origin) = context.Spec.Spec.Data.Archive is { } fromSpec
            ? (fromSpec, $"data.archive in {context.Spec.SourcePath}")
            : (context.Environment(ArchiveEnvironmentVariable) is { Length: > 0 } fromEnvironment
                ? (Path.GetFullPath(fromEnvironment), $"the {ArchiveEnvironmentVariable} environment variable")
                : (null, ""));
        if (path is null) return null;
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"The IMDb archive '{path}' (from {origin}) does not exist. Point it at a local aclImdb_v1.tar.gz, or remove it to download the archive.", path);
        UserFile.RequireRegular(path, $"The IMDb archive (from {origin})");
        return (path, origin);
    }
}
