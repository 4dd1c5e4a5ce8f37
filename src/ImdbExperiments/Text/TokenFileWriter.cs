using System.Buffers.Binary;
using System.Text;

namespace ImdbExperiments.Text;

/// <summary>Writes a token file (layout in <see cref="TokenFileFormat"/>) to a temporary file, then renames it into place.</summary>
public static class TokenFileWriter
{
    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Writes <paramref name="encoded"/> with one label and one example id per text. The bytes depend only on the
    /// arguments. Throws when the counts disagree or an id is outside the vocabulary.
    /// </summary>
    public static async Task WriteAsync(
        string path,
        EncodedTexts encoded,
        IReadOnlyList<byte> labels,
        IReadOnlyList<string> exampleIds,
        TokenFileMetadata metadata,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (labels.Count != encoded.Count || exampleIds.Count != encoded.Count)
        {
            throw new ArgumentException($"Token file '{path}': {encoded.Count} encoded texts but {labels.Count} labels and {exampleIds.Count} example ids; all three must match.");
        }

        byte[] vocabularyHash = ParseSha256(metadata.VocabularySha256, path);
        if (metadata.VocabularySize <= 0)
        {
            throw new ArgumentException($"Token file '{path}': vocabulary size is {metadata.VocabularySize}; it must be positive.");
        }

        int width = TokenFileFormat.TokenWidth(metadata.VocabularySize);
        long idBytes = 0;
        int longest = 0;
        for (int i = 0; i < encoded.Count; i++)
        {
            idBytes += Encoding.UTF8.GetByteCount(exampleIds[i]);
            longest = Math.Max(longest, encoded.Length(i));
        }

        var sections = TokenFileFormat.Layout(encoded.Count, encoded.TotalTokens, width, idBytes);
        var header = new TokenFileFormat.Header(
            TokenFileFormat.Version, width, encoded.Count, encoded.TotalTokens, metadata.MaxLength ?? 0,
            metadata.VocabularySize, vocabularyHash, sections, longest);

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                var writer = new SectionWriter(stream, cancellationToken);
                TokenFileFormat.WriteHeader(writer.Reserve(TokenFileFormat.HeaderSize), header);
                foreach (long offset in encoded.Offsets)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(writer.Reserve(8), offset);
                    await writer.FlushIfFullAsync();
                }

                await WriteTokensAsync(writer, encoded.Ids.AsMemory(0, (int)encoded.TotalTokens), width, metadata.VocabularySize, path);
                await writer.PadToAsync(sections.Labels);
                for (int i = 0; i < labels.Count; i++)
                {
                    writer.Reserve(1)[0] = labels[i];
                    await writer.FlushIfFullAsync();
                }

                await writer.PadToAsync(sections.IdOffsets);
                long idOffset = 0;
                BinaryPrimitives.WriteInt64LittleEndian(writer.Reserve(8), 0);
                foreach (string id in exampleIds)
                {
                    idOffset += Encoding.UTF8.GetByteCount(id);
                    BinaryPrimitives.WriteInt64LittleEndian(writer.Reserve(8), idOffset);
                    await writer.FlushIfFullAsync();
                }

                foreach (string id in exampleIds)
                {
                    int length = Encoding.UTF8.GetByteCount(id);
                    if (length > BufferSize / 2)
                    {
                        await writer.FlushAsync();
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(id), cancellationToken);
                        writer.Advanced(length);
                        continue;
                    }

                    Encoding.UTF8.GetBytes(id, writer.Reserve(length));
                    await writer.FlushIfFullAsync();
                }

                await writer.FlushAsync();
                if (writer.Position != sections.FileLength)
                {
                    throw new InvalidOperationException($"Token file '{path}': wrote {writer.Position} bytes, layout says {sections.FileLength}.");
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static async Task WriteTokensAsync(SectionWriter writer, ReadOnlyMemory<int> ids, int width, int vocabularySize, string path)
    {
        const int Batch = 4096;
        for (int start = 0; start < ids.Length; start += Batch)
        {
            int count = Math.Min(Batch, ids.Length - start);
            WriteTokenBatch(writer.Reserve(count * width), ids.Span.Slice(start, count), width, vocabularySize, path, start);
            await writer.FlushIfFullAsync();
        }
    }

    private static void WriteTokenBatch(Span<byte> destination, ReadOnlySpan<int> ids, int width, int vocabularySize, string path, long firstIndex)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)vocabularySize)
            {
                throw new ArgumentException($"Token file '{path}': token {firstIndex + i} has id {id}, outside the vocabulary of {vocabularySize}.");
            }

            if (width == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], (ushort)id);
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(destination[(i * 4)..], id);
            }
        }
    }

    private static byte[] ParseSha256(string hex, string path)
    {
        if (hex is null || hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"Token file '{path}': vocabulary SHA-256 '{hex}' is not 64 hex digits.");
        }

        return Convert.FromHexString(hex);
    }

    /// <summary>Fills a buffer synchronously (spans cannot cross an await) and writes it out when it is nearly full.</summary>
    private sealed class SectionWriter(Stream stream, CancellationToken cancellationToken)
    {
        private readonly byte[] _buffer = new byte[BufferSize * 2];
        private int _used;

        public long Position { get; private set; }

        public Span<byte> Reserve(int length)
        {
            if (_used + length > _buffer.Length)
            {
                throw new InvalidOperationException("Token file writer buffer overflow; flush first.");
            }

            var span = _buffer.AsSpan(_used, length);
            _used += length;
            Position += length;
            return span;
        }

        public void Advanced(int length) => Position += length;

        public ValueTask FlushIfFullAsync() => _used >= BufferSize ? FlushAsync() : ValueTask.CompletedTask;

        public async ValueTask FlushAsync()
        {
            cancellationToken.ThrowIfCancellationRequested();
            await stream.WriteAsync(_buffer.AsMemory(0, _used), cancellationToken);
            _used = 0;
        }

        public async ValueTask PadToAsync(long position)
        {
            Reserve((int)(position - Position)).Clear();
            await FlushIfFullAsync();
        }
    }
}
