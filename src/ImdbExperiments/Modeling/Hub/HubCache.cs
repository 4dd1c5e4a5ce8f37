using System.Text.RegularExpressions;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// The huggingface_hub cache layout, shared with Python:
/// <c>{models|datasets}--{org}--{name}/blobs/{etag}</c> (content), <c>refs/{branch-or-tag}</c> (commit hash),
/// <c>snapshots/{commit}/{file}</c> (relative symlink to the blob, or a copy where symlinks are unavailable),
/// <c>.no_exist/{commit}/{file}</c> (known-missing files) and <c>.locks/{models|datasets}--{org}--{name}/{etag}.lock</c>.
/// </summary>
public sealed partial class HubCache
{
    private const string CacheDirTag =
        "Signature: 8a477f597d28d172789f06886806bc55\n" +
        "# This file is a cache directory tag created by huggingface_hub.\n" +
        "# For information about cache directory tags, see:\n" +
        "#\thttps://bford.info/cachedir/\n";

    public HubCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The hub cache folder (HF_HUB_CACHE).</summary>
    public string Root { get; }

    /// <summary>"org/name" becomes "models--org--name", as huggingface_hub names model repos on disk.</summary>
    public static string RepoFolderName(string repoId) => RepoFolderName(HubRepo.Model(repoId));

    /// <summary>file_download.py repo_folder_name: "{type}s--" + the id's parts joined by "--" (datasets--stanfordnlp--imdb).</summary>
    public static string RepoFolderName(HubRepo repo)
    {
        ArgumentNullException.ThrowIfNull(repo);
        ValidateRepoId(repo.Id);
        return repo.Plural + "--" + repo.Id.Replace("/", "--", StringComparison.Ordinal);
    }

    /// <summary>True for a full 40-character lowercase hex commit hash (the only form the cache treats as a commit).</summary>
    public static bool IsCommitHash(string revision) => CommitHashPattern().IsMatch(revision);

    public string RepoFolder(string repoId) => RepoFolder(HubRepo.Model(repoId));

    public string RepoFolder(HubRepo repo) => Path.Join(Root, RepoFolderName(repo));

    public string SnapshotFolder(string repoId, string commit) => SnapshotFolder(HubRepo.Model(repoId), commit);

    public string SnapshotFolder(HubRepo repo, string commit) => Path.Join(RepoFolder(repo), "snapshots", commit);

    /// <summary>The commit a revision stands for in the cache: itself if it is a commit hash, else the content of refs/{revision}; null if unknown.</summary>
    public string? ResolveCommit(string repoId, string revision) => ResolveCommit(HubRepo.Model(repoId), revision);

    /// <inheritdoc cref="ResolveCommit(string, string)"/>
    public string? ResolveCommit(HubRepo repo, string revision)
    {
        ValidateRevision(revision);
        if (IsCommitHash(revision))
            return revision;
        var refPath = RefPath(repo, revision);
        if (!File.Exists(refPath))
            return null;
        var commit = File.ReadAllText(refPath).Trim();
        // A ref names a snapshot folder: anything but a commit hash there is a damaged or hostile cache.
        return IsCommitHash(commit) ? commit : null;
    }

    /// <summary>The snapshot path of a cached file for a revision, or null when it is not cached (or its blob is gone).</summary>
    public string? TryGetFile(string repoId, string revision, string fileName) => TryGetFile(HubRepo.Model(repoId), revision, fileName);

    /// <inheritdoc cref="TryGetFile(string, string, string)"/>
    public string? TryGetFile(HubRepo repo, string revision, string fileName)
    {
        ValidateFileName(fileName);
        return ResolveCommit(repo, revision) is { } commit && PointerPath(repo, commit, fileName) is var pointer && IsUsableFile(pointer)
            ? pointer
            : null;
    }

    internal string RefPath(HubRepo repo, string revision) =>
        Path.Join(RepoFolder(repo), "refs", Path.Join(revision.Split('/')));

    internal string PointerPath(HubRepo repo, string commit, string fileName) =>
        Path.Join(SnapshotFolder(repo, commit), Path.Join(fileName.Split('/')));

    internal string BlobPath(HubRepo repo, string etag) => Path.Join(RepoFolder(repo), "blobs", etag);

    internal string LockPath(HubRepo repo, string etag) => Path.Join(Root, ".locks", RepoFolderName(repo), etag + ".lock");

    internal string MissingMarkerPath(HubRepo repo, string commit, string fileName) =>
        Path.Join(RepoFolder(repo), ".no_exist", commit, Path.Join(fileName.Split('/')));

    /// <summary>Records that a branch or tag points at a commit; atomic, and skipped when unchanged so read-only caches keep working.</summary>
    internal void WriteRef(HubRepo repo, string revision, string commit)
    {
        if (revision == commit)
            return;
        var refPath = RefPath(repo, revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath) == commit)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        var temporary = $"{refPath}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, commit);
        File.Move(temporary, refPath, overwrite: true);
    }

    /// <summary>Best-effort marker that a file does not exist at a commit, as huggingface_hub writes it.</summary>
    internal void MarkMissing(HubRepo repo, string commit, string fileName)
    {
        try
        {
            var marker = MissingMarkerPath(repo, commit, fileName);
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            using (File.Open(marker, FileMode.OpenOrCreate, FileAccess.Write)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache we cannot write to still serves reads; the marker is only an optimisation.
        }
    }

    internal void EnsureCacheDirTag()
    {
        var tag = Path.Join(Root, "CACHEDIR.TAG");
        if (File.Exists(tag))
            return;
        try
        {
            File.WriteAllText(tag, CacheDirTag);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a hint for backup tools.
        }
    }

    /// <summary>Points snapshots/{commit}/{file} at the blob with a relative symlink, or copies the blob where links fail.</summary>
    internal static void LinkPointer(string blobPath, string pointerPath, bool disableSymlinks)
    {
        var pointerFolder = Path.GetDirectoryName(pointerPath)!;
        Directory.CreateDirectory(pointerFolder);
        File.Delete(pointerPath);
        if (!disableSymlinks)
        {
            var target = Path.GetRelativePath(pointerFolder, blobPath);
            try
            {
                File.CreateSymbolicLink(pointerPath, target);
                return;
            }
            catch (IOException) when (IsUsableFile(pointerPath))
            {
                return; // Another process linked it between our delete and create.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // Symlinks unavailable (Windows without developer mode, some network filesystems): copy instead.
            }
        }
        var temporary = $"{pointerPath}.{Guid.NewGuid():N}.tmp";
        File.Copy(blobPath, temporary);
        File.Move(temporary, pointerPath, overwrite: true);
    }

    /// <summary>A regular file, or a symlink whose final target exists (a dangling link does not count).</summary>
    internal static bool IsUsableFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            return false;
        return info.LinkTarget is null || info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true };
    }

    internal static void ValidateRepoId(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains("--", StringComparison.Ordinal) ||
            repoId.Contains("..", StringComparison.Ordinal) || repoId.EndsWith(".git", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Hub repo id '{repoId}' is not valid: use 'name' or 'org/name' with letters, digits, '-', '_' or '.', " +
                "at most 96 characters per part, not starting or ending with '-' or '.', without '--' or '..'.", nameof(repoId));
        }
    }

    internal static void ValidateRevision(string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        if (revision.Length == 0 || revision.Split('/').Any(part => part is "" or "." or "..") || revision.Contains('\\', StringComparison.Ordinal))
            throw new ArgumentException($"Hub revision '{revision}' is not valid: give a branch, tag or commit hash such as 'main' or 'refs/pr/1'.", nameof(revision));
    }

    internal static void ValidateFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (fileName.Length == 0 || fileName.StartsWith('/') || fileName.Contains('\\', StringComparison.Ordinal) ||
            fileName.Contains(':', StringComparison.Ordinal) || fileName.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException(
                $"Hub file name '{fileName}' is not valid: give a path relative to the repo root with '/' separators and no '.', '..' or empty parts.",
                nameof(fileName));
        }
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHashPattern();

    [GeneratedRegex(@"^(?:\b[\w\-.]+\b/)?\b[\w\-.]{1,96}\b$")]
    private static partial Regex RepoIdPattern();
}
