using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ImdbExperiments.Caching;

/// <summary>
/// An exclusive, process-wide lock held through an open lock file (flock on Unix, a share-none
/// handle on Windows). The OS releases it when the process dies, so a crash never leaves it stuck.
/// Its holder writes who it is (<see cref="LockHolder"/>) into the file, so a waiter can say whom it waits for.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly FileStream stream;

    FileLock(string path, FileStream stream)
    {
        Path = path;
        this.stream = stream;
    }

    public string Path { get; }

    /// <summary>The lock, or null when another process (or another handle in this one) holds it.</summary>
    /// <exception cref="LockUnavailableException">the path cannot be a lock file (a directory, no permission, ...)</exception>
    public static FileLock? TryAcquire(string path) => TryAcquire(path, out _);

    /// <summary>
    /// The same as <see cref="TryAcquire(string)"/>, with <paramref name="abandonedBy"/> set to the holder the file still named
    /// when the lock was taken: a holder that released it would have cleared it, so that one died holding it.
    /// </summary>
    public static FileLock? TryAcquire(string path, out LockHolder? abandonedBy)
    {
        abandonedBy = null;
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path))
            throw new LockUnavailableException(path, null, $"Lock file '{path}' is a directory; remove it (nothing else may live at a lock file's path).");
        FileStream stream;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LockUnavailableException(path, null, $"Lock file '{path}' cannot be opened for writing: {e.Message}");
        }
        try
        {
            abandonedBy = ReadAbandoned(stream);
            var holder = LockHolder.Current().ToUtf8();
            stream.SetLength(0);
            stream.Write(holder);
            stream.Flush();
        }
        catch (IOException)
        {
            // The lock is ours either way; a waiter then just cannot name us.
        }
        return new FileLock(path, stream);
    }

    /// <summary>Whether another process (or another handle in this one) holds the lock; the file's content is left as it is.</summary>
    /// <exception cref="LockUnavailableException">the path cannot be a lock file</exception>
    public static bool IsHeld(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return false;
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false; // removed meanwhile: nobody holds it
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LockUnavailableException(path, null, $"Lock file '{path}' cannot be opened for writing: {e.Message}");
        }
    }

    // Read through the handle that holds the lock, before this holder overwrites it; bounded like any holder record.
    static LockHolder? ReadAbandoned(FileStream stream)
    {
        if (stream.Length is 0 or > LockHolder.MaxBytes) return null;
        var bytes = new byte[stream.Length];
        stream.Position = 0;
        stream.ReadExactly(bytes);
        stream.Position = 0;
        return LockHolder.TryParse(bytes);
    }

    /// <summary>Waits for the lock as <paramref name="options"/> say, telling <paramref name="report"/> whom it waits for (once, then every progress interval).</summary>
    /// <exception cref="LockUnavailableException">--no-wait and the lock is held, the timeout passed, or the path cannot be a lock file</exception>
    public static async Task<FileLock> AcquireAsync(string path, LockOptions options, Action<string>? report, CancellationToken cancellationToken)
    {
        var wait = new Waiting(path, options, report);
        while (true)
        {
            if (TryAcquire(path) is { } acquired) return acquired;
            await Task.Delay(wait.Next(), cancellationToken);
        }
    }

    /// <summary>The synchronous <see cref="AcquireAsync"/>, for callers that are not async (the run journal).</summary>
    public static FileLock Acquire(string path, LockOptions options, Action<string>? report, CancellationToken cancellationToken = default)
    {
        var wait = new Waiting(path, options, report);
        while (true)
        {
            if (TryAcquire(path) is { } acquired) return acquired;
            var delay = wait.Next();
            if (cancellationToken.WaitHandle.WaitOne(delay)) cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Who holds the lock at <paramref name="path"/>, as its holder wrote it; null when unknown.</summary>
    public static LockHolder? ReadHolder(string path)
    {
        var bytes = OperatingSystem.IsWindows() ? null : UnixFile.ReadPrefix(path, LockHolder.MaxBytes + 1);
        return bytes is null ? null : LockHolder.TryParse(bytes);
    }

    public void Dispose()
    {
        try
        {
            // A free lock names nobody: a later waiter must not blame a process that is gone.
            stream.SetLength(0);
        }
        catch (IOException) { }
        stream.Dispose();
    }

    // Contention: EWOULDBLOCK from flock on Unix (11 on Linux, 35 on macOS), sharing or lock violation on Windows.
    static bool IsHeldElsewhere(IOException e) => e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11 or 35);

    /// <summary>The state of one wait: when it started, when it last said so, when it gives up.</summary>
    sealed class Waiting(string path, LockOptions options, Action<string>? report)
    {
        readonly Stopwatch elapsed = Stopwatch.StartNew();
        TimeSpan nextProgress = options.ProgressInterval;
        bool announced;

        public TimeSpan Next()
        {
            var holder = ReadHolder(path);
            var who = holder is null ? "another process" : holder.Describe();
            if (options.NoWait)
                throw new LockUnavailableException(path, holder, $"'{path}' is locked by {who}; not waiting (--no-wait).");
            if (options.Timeout is { } timeout && elapsed.Elapsed >= timeout)
                throw new LockUnavailableException(path, holder,
                    $"Gave up after {timeout.TotalSeconds:0.#} s (--lock-timeout) waiting for '{path}', locked by {who}.");
            if (!announced)
            {
                announced = true;
                report?.Invoke($"held by {who} (lock '{path}')");
            }
            else if (elapsed.Elapsed >= nextProgress)
            {
                nextProgress += options.ProgressInterval;
                report?.Invoke($"still held by {who} after {elapsed.Elapsed.TotalSeconds:0} s of waiting");
            }
            var delay = options.PollInterval;
            if (options.Timeout is { } limit && limit - elapsed.Elapsed < delay) delay = limit - elapsed.Elapsed;
            return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
        }
    }

    /// <summary>Reads a file that another process holds under flock: .NET's own open would ask for a shared flock and fail.</summary>
    static class UnixFile
    {
        // O_RDONLY | O_NONBLOCK: a FIFO planted at the lock path must not block the waiter.
        static int ReadOnlyNonBlocking => OperatingSystem.IsMacOS() ? 0x4 : 0x800;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        static extern nint Read(int fd, byte[] buffer, nint count);

        [DllImport("libc", EntryPoint = "close")]
        static extern int Close(int fd);

        public static byte[]? ReadPrefix(string path, int limit)
        {
            try
            {
                var fd = Open(path, ReadOnlyNonBlocking);
                if (fd < 0) return null;
                try
                {
                    var buffer = new byte[limit];
                    var total = 0;
                    while (total < limit)
                    {
                        var chunk = new byte[limit - total];
                        var read = (int)Read(fd, chunk, chunk.Length);
                        if (read <= 0) break;
                        chunk.AsSpan(0, read).CopyTo(buffer.AsSpan(total));
                        total += read;
                    }
                    return buffer[..total];
                }
                finally
                {
                    Close(fd);
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }
}
