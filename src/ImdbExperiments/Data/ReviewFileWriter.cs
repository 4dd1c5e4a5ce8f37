using System.Buffers;
using System.Security.Cryptography;

namespace ImdbExperiments.Data;

/// <summary>
/// The one writer of a <see cref="ReviewFile"/> for every ingester (the IMDb archive, a user's tables): lines in the order
/// given, through a temporary file beside the output and a rename, so a failed or cancelled ingest leaves no half-written file.
/// </summary>
internal static class ReviewFileWriter
{
    /// <summary>One review as written: its text is UTF-8 that the caller has validated.</summary>
    internal readonly record struct Line(string Id, ReviewSplit Split, int Label, int Rating, ReadOnlyMemory<byte> Utf8Text);

    private const int FlushThreshold = 1 << 20;

    /// <summary>Writes <paramref name="lines"/> to <paramref name="outputFile"/>; returns the file's SHA-256 (lowercase hex) and size in bytes.</summary>
    public static (string Sha256, long Size) Write(IEnumerable<Line> lines, string outputFile, CancellationToken cancellationToken)
    {
        string fullPath = Path.GetFullPath(outputFile);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temp = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                var buffer = new ArrayBufferWriter<byte>(2 * FlushThreshold);
                using var writer = ReviewFile.CreateWriter(buffer);
                void Flush()
                {
                    stream.Write(buffer.WrittenSpan);
                    hash.AppendData(buffer.WrittenSpan);
                    size += buffer.WrittenCount;
                    buffer.ResetWrittenCount();
                }

                foreach (var line in lines)
                {
                    ReviewFile.WriteLine(writer, buffer, line.Id, line.Split, line.Label, line.Rating, line.Utf8Text.Span);
                    if (buffer.WrittenCount >= FlushThreshold)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Flush();
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
