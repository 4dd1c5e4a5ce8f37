namespace ImdbExperiments.Data;

/// <summary>The archive is not a usable IMDb archive: corrupt, truncated, or holding an entry ingest refuses.</summary>
public sealed class ImdbArchiveException : Exception
{
    public ImdbArchiveException(string archivePath, string? entryName, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArchivePath = archivePath;
        EntryName = entryName;
    }

    public string ArchivePath { get; }

    /// <summary>The tar entry at fault, when there is one.</summary>
    public string? EntryName { get; }
}
