namespace ImdbExperiments.Caching;

/// <summary>
/// An exclusive, process-wide lock held through an open lock file (flock on Unix, a share-none
/// handle on Windows). The OS releases it when the process dies, so a crash never leaves it stuck.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream stream;

    FileLock(FileStream stream) => this.stream = stream;

    public static FileLock? TryAcquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits for the lock, calling <paramref name="onWait"/> once if it has to wait.</summary>
    public static async Task<FileLock> AcquireAsync(string path, Action? onWait, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            var acquired = TryAcquire(path);
            if (acquired is not null) return acquired;
            if (!waited) { onWait?.Invoke(); waited = true; }
            await Task.Delay(100, cancellationToken);
        }
    }

    public void Dispose() => stream.Dispose();
}
