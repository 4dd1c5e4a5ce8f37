using System.Diagnostics;
using System.Security.Cryptography;

namespace ImdbExperiments.Caching;

/// <summary>
/// The content-addressed store of stage outputs: <c>&lt;root&gt;/&lt;stage&gt;/&lt;key&gt;/</c> with a manifest.json.
/// A stage builds into a temporary folder beside its final place and publishes by atomic rename;
/// a per-key lock makes concurrent builders of the same key wait for one another instead of doing the work twice.
/// </summary>
public sealed class StageCache(string root, IReadOnlyDictionary<string, string> tools)
{
    const string LocksFolder = ".locks";
    const string TempPrefix = ".tmp-";
    const string TrashPrefix = ".trash-";

    public string Root { get; } = Path.GetFullPath(root);

    public string DirectoryOf(string stage, string key) => Path.Combine(Root, stage, key);

    /// <summary>The published output for this stage and key, or null when there is none (or only a half-written one).</summary>
    public StageOutput? TryGet(string stage, string key)
    {
        var directory = DirectoryOf(stage, key);
        var manifest = StageManifest.TryRead(Path.Combine(directory, StageManifest.FileName));
        if (manifest is null || manifest.Stage != stage || manifest.Key != key) return null;
        foreach (var file in manifest.Files)
        {
            var info = new FileInfo(Path.Combine(directory, file.Path));
            if (!info.Exists || info.Length != file.Size) return null;
        }
        return new StageOutput(directory, manifest, CacheHit: true);
    }

    /// <summary>
    /// Returns the published output for <paramref name="request"/>, building it with <paramref name="build"/> when
    /// it is missing or when <paramref name="force"/> is set. <paramref name="onWait"/> is called if another process holds the key.
    /// </summary>
    public async Task<StageOutput> GetOrBuildAsync(
        StageRequest request,
        Func<StageBuildContext, CancellationToken, Task> build,
        bool force = false,
        Action? onWait = null,
        CancellationToken cancellationToken = default)
    {
        if (!force && TryGet(request.Stage, request.Key) is { } hit) return hit;

        var stageDirectory = Path.Combine(Root, request.Stage);
        using var keyLock = await FileLock.AcquireAsync(
            Path.Combine(stageDirectory, LocksFolder, request.Key + ".lock"), onWait, cancellationToken);

        // Another process may have published it while we waited.
        if (!force && TryGet(request.Stage, request.Key) is { } builtMeanwhile) return builtMeanwhile;

        // Under the lock nobody else builds this key: leftovers of a crashed build are garbage.
        foreach (var stale in Directory.EnumerateDirectories(stageDirectory, TempPrefix + request.Key + "-*"))
            TryDeleteDirectory(stale);

        var temp = Path.Combine(stageDirectory, $"{TempPrefix}{request.Key}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var context = new StageBuildContext(temp, request.Key);
            await build(context, cancellationToken);
            stopwatch.Stop();

            var manifest = new StageManifest
            {
                Stage = request.Stage,
                Key = request.Key,
                FormatVersion = request.FormatVersion,
                Inputs = CanonicalJson.Sort(request.Inputs),
                Upstream = new SortedDictionary<string, string>(request.Upstream.ToDictionary(), StringComparer.Ordinal),
                Files = await ListFilesAsync(temp, cancellationToken),
                Summary = context.Summary,
                CreatedUtc = DateTimeOffset.UtcNow,
                Seconds = Math.Round(stopwatch.Elapsed.TotalSeconds, 3),
                Tools = tools,
            };
            // The manifest is written last, inside the temporary folder, so the rename publishes a complete output.
            await File.WriteAllTextAsync(Path.Combine(temp, StageManifest.FileName), manifest.ToJson(), cancellationToken);

            var final = DirectoryOf(request.Stage, request.Key);
            if (Directory.Exists(final))
            {
                // Forced rebuild (or a folder without a valid manifest): move the old one aside first.
                var trash = Path.Combine(stageDirectory, $"{TrashPrefix}{request.Key}-{Guid.NewGuid():N}");
                Directory.Move(final, trash);
                TryDeleteDirectory(trash);
            }
            Directory.Move(temp, final);
            return new StageOutput(final, manifest, CacheHit: false);
        }
        catch
        {
            TryDeleteDirectory(temp);
            throw;
        }
    }

    /// <summary>Deletes the cached outputs of one stage, or of every stage when <paramref name="stage"/> is null.</summary>
    public void Clean(string? stage = null)
    {
        var target = stage is null ? Root : Path.Combine(Root, stage);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
    }

    static async Task<IReadOnlyList<StageFile>> ListFilesAsync(string directory, CancellationToken cancellationToken)
    {
        var files = new List<StageFile>();
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await using var stream = File.OpenRead(path);
            var hash = await SHA256.HashDataAsync(stream, cancellationToken);
            files.Add(new StageFile(Path.GetRelativePath(directory, path).Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(hash)));
        }
        return files;
    }

    static void TryDeleteDirectory(string path)
    {
        try { Directory.Delete(path, recursive: true); }
        catch (DirectoryNotFoundException) { }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
