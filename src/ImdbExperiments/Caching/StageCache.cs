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

    /// <summary>Bytes hashed to verify cache hits and to publish, since this cache object was made (tests and measurements).</summary>
    public long BytesHashed => Interlocked.Read(ref bytesHashed);
    long bytesHashed;

    /// <summary>
    /// The published output for this stage and key, or null when there is none, only a half-written one, or a corrupt one
    /// (<paramref name="report"/> is told which file differs). A file whose stamp (size, times, file id) is the one recorded
    /// at publish is trusted without reading it; any other is hashed again.
    /// </summary>
    public StageOutput? TryGet(string stage, string key, Action<string>? report = null)
    {
        var directory = DirectoryOf(stage, key);
        var check = Check(stage, key, directory, fullHash: false, CancellationToken.None);
        if (check.Status == CacheEntryStatus.Corrupt) report?.Invoke(check.Detail!);
        return check.Status == CacheEntryStatus.Ok ? new StageOutput(directory, check.Manifest!, CacheHit: true) : null;
    }

    /// <summary>Re-hashes every published output and looks for leftovers of crashed builds; with <paramref name="repair"/> removes what is wrong (it rebuilds on next use).</summary>
    public IReadOnlyList<CacheEntryReport> Verify(bool repair, CancellationToken cancellationToken = default)
    {
        var reports = new List<CacheEntryReport>();
        if (!Directory.Exists(Root)) return reports;
        foreach (var stageDirectory in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var stage = Path.GetFileName(stageDirectory);
            if (stage.StartsWith('.')) continue;
            foreach (var folder in Directory.EnumerateDirectories(stageDirectory).Order(StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = Path.GetFileName(folder);
                if (name == LocksFolder) continue;
                var leftover = name.StartsWith(TempPrefix, StringComparison.Ordinal) ? name[TempPrefix.Length..]
                    : name.StartsWith(TrashPrefix, StringComparison.Ordinal) ? name[TrashPrefix.Length..] : null;
                var key = leftover is null ? name : leftover.Split('-')[0];
                if (!IsKey(key))
                {
                    reports.Add(new CacheEntryReport(stage, key, folder, CacheEntryStatus.Incomplete, $"'{name}' is not a stage output folder (its name is not a key)"));
                    continue;
                }
                var entry = leftover is not null
                    ? new CacheEntryReport(stage, key, folder, CacheEntryStatus.Orphaned, $"'{name}' was left by a build that did not finish")
                    : ReportOf(stage, key, folder, Check(stage, key, folder, fullHash: true, cancellationToken));
                if (!entry.IsProblem) { reports.Add(entry); continue; }
                // Under the key's lock nobody builds it; a held lock means a build is running, so nothing of its is touched.
                FileLock? keyLock;
                try
                {
                    keyLock = FileLock.TryAcquire(LockPathOf(stage, key));
                }
                catch (LockUnavailableException e)
                {
                    reports.Add(entry with { Detail = $"{entry.Detail}; not repaired: {e.Message}" });
                    continue;
                }
                using var _ = keyLock;
                if (keyLock is null)
                {
                    reports.Add(leftover is null ? entry : entry with { Status = CacheEntryStatus.Building, Detail = $"'{name}' is being built by another process" });
                    continue;
                }
                if (repair) TryDeleteDirectory(leftover is null ? MoveAside(stageDirectory, key, folder) : folder);
                reports.Add(entry with { Removed = repair && !Directory.Exists(folder) });
            }
        }
        return reports;
    }

    static CacheEntryReport ReportOf(string stage, string key, string folder, EntryCheck check) =>
        new(stage, key, folder, check.Status, check.Detail);

    string LockPathOf(string stage, string key) => Path.Combine(Root, stage, LocksFolder, key + ".lock");

    static bool IsKey(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    sealed record EntryCheck(CacheEntryStatus Status, StageManifest? Manifest, string? Detail);

    /// <summary>Checks one published folder against its manifest; <paramref name="fullHash"/> hashes every file, else only files whose stamp changed.</summary>
    EntryCheck Check(string stage, string key, string directory, bool fullHash, CancellationToken cancellationToken)
    {
        var manifestPath = Path.Combine(directory, StageManifest.FileName);
        var manifest = StageManifest.TryRead(manifestPath);
        if (manifest is null)
            return new(CacheEntryStatus.Incomplete, null, Directory.Exists(directory) ? $"no valid {StageManifest.FileName}" : "not built");
        // A hand-edited manifest may hold nulls where the format has none.
        if (manifest.Files is null || manifest.Files.Any(file => file?.Path is null || file.Sha256 is null))
            return new(CacheEntryStatus.Incomplete, null, $"{StageManifest.FileName} has a file entry without a path or a sha256");
        if (manifest.Stage != stage || manifest.Key != key)
            return new(CacheEntryStatus.Incomplete, null, $"{StageManifest.FileName} is for {manifest.Stage}/{StageKey.Short(manifest.Key)}");

        var files = new List<StageFile>(manifest.Files.Count);
        var restamped = false;
        foreach (var file in manifest.Files)
        {
            if (!IsInside(directory, file.Path, out var path))
                return new(CacheEntryStatus.Incomplete, null, $"{StageManifest.FileName} lists '{file.Path}', which is not a path inside the folder");
            var stamp = FileStamp.Read(path);
            if (stamp is null)
                return new(CacheEntryStatus.Incomplete, null, $"{file.Path} is missing");
            if (stamp.Size != file.Size)
                return new(CacheEntryStatus.Corrupt, null, Mismatch(stage, key, file, $"{file.Size} bytes", $"{stamp.Size} bytes"));
            if (!fullHash && stamp == file.Stamp) { files.Add(file); continue; }

            string actual;
            try
            {
                actual = HashFile(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new(CacheEntryStatus.Corrupt, null, $"{stage} {StageKey.Short(key)}: {file.Path} cannot be read: {e.Message}");
            }
            if (actual != file.Sha256)
                return new(CacheEntryStatus.Corrupt, null, Mismatch(stage, key, file, "sha256 " + file.Sha256[..Math.Min(12, file.Sha256.Length)], "sha256 " + actual[..12]));
            restamped |= stamp != file.Stamp;
            files.Add(file with { Stamp = stamp });
        }
        if (restamped)
        {
            // The content is as published; only the stamps are new (an old manifest, a copied or restored cache).
            manifest = manifest with { ManifestVersion = StageManifest.CurrentVersion, Files = files };
            TryReplaceManifest(manifestPath, manifest);
        }
        return new(CacheEntryStatus.Ok, manifest, null);
    }

    static string Mismatch(string stage, string key, StageFile file, string expected, string actual) =>
        $"{stage} {StageKey.Short(key)}: {file.Path} is corrupt: expected {expected}, found {actual}";

    static bool IsInside(string directory, string relative, out string path)
    {
        path = Path.GetFullPath(Path.Combine(directory, relative));
        return relative.Length > 0 && !Path.IsPathRooted(relative)
            && path.StartsWith(Path.TrimEndingDirectorySeparator(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    string HashFile(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Add(ref bytesHashed, stream.Length);
        return hash;
    }

    static void TryReplaceManifest(string manifestPath, StageManifest manifest)
    {
        var temp = manifestPath + $".tmp-{Guid.NewGuid():N}";
        try
        {
            File.WriteAllText(temp, manifest.ToJson());
            File.Move(temp, manifestPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Read-only cache, or the folder was replaced meanwhile: the hit stands, the next one hashes again.
            try { File.Delete(temp); } catch (Exception inner) when (inner is IOException or UnauthorizedAccessException) { }
        }
    }

    static string MoveAside(string stageDirectory, string key, string folder)
    {
        var trash = Path.Combine(stageDirectory, $"{TrashPrefix}{key}-{Guid.NewGuid():N}");
        try { Directory.Move(folder, trash); return trash; }
        catch (IOException) { return folder; }
    }

    /// <summary>
    /// Returns the published output for <paramref name="request"/>, building it with <paramref name="build"/> when
    /// it is missing, corrupt (<paramref name="onCorrupt"/> is told why) or when <paramref name="force"/> is set.
    /// <paramref name="onWait"/> is told whom it waits for if another process holds the key; <paramref name="locks"/> bounds that wait.
    /// </summary>
    public async Task<StageOutput> GetOrBuildAsync(
        StageRequest request,
        Func<StageBuildContext, CancellationToken, Task> build,
        bool force = false,
        Action<string>? onWait = null,
        LockOptions? locks = null,
        Action<string>? onCorrupt = null,
        CancellationToken cancellationToken = default)
    {
        if (!force && TryGet(request.Stage, request.Key, onCorrupt) is { } hit) return hit;

        var stageDirectory = Path.Combine(Root, request.Stage);
        using var keyLock = await FileLock.AcquireAsync(LockPathOf(request.Stage, request.Key), locks ?? LockOptions.Default, onWait, cancellationToken);

        // Another process may have published it while we waited (a corrupt output was reported above already).
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
                ManifestVersion = StageManifest.CurrentVersion,
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

    async Task<IReadOnlyList<StageFile>> ListFilesAsync(string directory, CancellationToken cancellationToken)
    {
        var files = new List<StageFile>();
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string hash;
            long length;
            await using (var stream = File.OpenRead(path))
            {
                hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
                length = stream.Length;
            }
            Interlocked.Add(ref bytesHashed, length);
            // Stamped after the last write; the rename that publishes the folder keeps every file's id and times.
            var stamp = FileStamp.Read(path);
            files.Add(new StageFile(Path.GetRelativePath(directory, path).Replace('\\', '/'), length, hash) { Stamp = stamp?.Size == length ? stamp : null });
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
