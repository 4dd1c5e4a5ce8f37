namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// An exclusive lock on a file. On Unix .NET takes it with flock(2), the same lock Python's filelock takes,
/// so this process and huggingface_hub never download the same blob at once.
/// </summary>
internal sealed class HubFileLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly FileStream _stream;

    private HubFileLock(FileStream stream) => _stream = stream;

    public static async Task<HubFileLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new HubFileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (IsHeldByOther(e))
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    // EWOULDBLOCK (Linux 11, macOS 35) from flock; sharing/lock violation on Windows.
    private static bool IsHeldByOther(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
}
