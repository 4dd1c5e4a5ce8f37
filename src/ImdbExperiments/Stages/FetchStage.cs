using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// fetch: the verified IMDb archive. A synthetic archive is generated; a local archive (data.archive or
/// IMDB_ARCHIVE) is verified and referenced in place, never copied or modified; otherwise the archive is
/// downloaded (resumable, mirrors, SHA-256). Keyed by the expected SHA-256 when there is one, so a download
/// and a local copy of the same bytes share one key and everything downstream of it.
/// </summary>
public sealed class FetchStage : Stage
{
    public const string ArchiveEnvironmentVariable = "IMDB_ARCHIVE";
    const string ArchiveFileName = "aclImdb_v1.tar.gz";
    const string RecordFileName = "archive.json";

    public override string Name => "fetch";
    public override int FormatVersion => 1;

    public override JsonNode? Inputs(PipelineContext context)
    {
        var data = context.Spec.Spec.Data;
        if (data.Source == DataSource.Files) return TableFilesFetch.Inputs(context);
        if (data.Source == DataSource.Hub) return HubDatasetFetch.Inputs(context);
        if (data.Source == DataSource.Synthetic)
        {
            return new JsonObject
            {
                ["source"] = "synthetic",
                ["reviews_per_label"] = data.Synthetic.ReviewsPerLabel,
                ["seed"] = SyntheticSeed(context.Spec.Spec),
                ["generator_version"] = SyntheticImdb.FormatVersion,
            };
        }
        var local = LocalArchive(context);
        if (data.ExpectedSha256(localArchive: local is not null) is { } sha256)
            return new JsonObject { ["source"] = "imdb", ["sha256"] = sha256 };
        if (local is { } archive)
        {
            // No expected hash: identify the file by where it is and what it looks like.
            var info = new FileInfo(archive.Path);
            return new JsonObject
            {
                ["source"] = "imdb",
                ["archive"] = info.FullName,
                ["size"] = info.Length,
                ["modified_utc"] = info.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture),
            };
        }
        return new JsonObject { ["source"] = "imdb", ["urls"] = new JsonArray(Urls(data).Select(u => (JsonNode)u.ToString()).ToArray()) };
    }

    public override Task PrepareInputsAsync(PipelineContext context, CancellationToken cancellationToken) =>
        context.Spec.Spec.Data.Source == DataSource.Hub ? HubDatasetFetch.PrepareAsync(context, cancellationToken) : Task.CompletedTask;

    public override async Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var data = context.Spec.Spec.Data;
        if (data.Source == DataSource.Files)
        {
            await TableFilesFetch.BuildAsync(context, output, cancellationToken);
            return;
        }
        if (data.Source == DataSource.Hub)
        {
            await HubDatasetFetch.BuildAsync(context, output, cancellationToken);
            return;
        }

        FetchResult result;
        string recordedPath;
        if (data.Source == DataSource.Synthetic)
        {
            var path = output.PathOf(ArchiveFileName);
            SyntheticImdb.WriteArchive(path, data.Synthetic.ReviewsPerLabel, SyntheticSeed(context.Spec.Spec));
            result = await ArchiveFetcher.VerifyLocalAsync(path, null, null, cancellationToken);
            result = result with { Source = "synthetic", Downloaded = false };
            recordedPath = ArchiveFileName;
        }
        else if (LocalArchive(context) is { } local)
        {
            try
            {
                using var bar = new TransferBar(context.Progress, $"verify {Path.GetFileName(local.Path)}");
                result = await ArchiveFetcher.VerifyLocalAsync(local.Path, data.ExpectedSha256(localArchive: true), bar, cancellationToken);
            }
            catch (ChecksumMismatchException e)
            {
                throw new ChecksumMismatchException(e.Location, e.ExpectedSha256, e.ActualSha256,
                    $"{e.Message} (archive from {local.Origin}; expected hash from data.sha256 in {context.Spec.SourcePath}: set it to {e.ActualSha256} or to null if this is the file you mean.)");
            }
            recordedPath = result.Path;
        }
        else
        {
            var destination = Path.Combine(context.DownloadsDirectory, output.Key, ArchiveFileName);
            using (var bar = new TransferBar(context.Progress, $"download {ArchiveFileName}"))
            using (var fetcher = new ArchiveFetcher())
                result = await fetcher.DownloadAsync(new ArchiveDownload(Urls(data), data.ExpectedSha256(localArchive: false)), destination, bar, cancellationToken);
            File.Move(result.Path, output.PathOf(ArchiveFileName));
            Directory.Delete(Path.GetDirectoryName(destination)!, recursive: true);
            recordedPath = ArchiveFileName;
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

    public static string ArchiveSha256(StageOutput fetch) => (string)fetch.Manifest.Summary["sha256"]!;

    static int SyntheticSeed(ExperimentSpec spec) => spec.Data.Synthetic.Seed ?? spec.Seed;

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
