using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace ImdbExperiments.Text;

/// <summary>
/// A token file (layout in <see cref="TokenFileFormat"/>) mapped into memory: ids, labels and example ids are read in
/// place, without copying the file. Spans it returns are valid until <see cref="Dispose"/>. Safe for concurrent reads.
/// </summary>
public sealed class TokenFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _base;
    private readonly TokenFileFormat.Header _header;
    private bool _disposed;

    private TokenFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, TokenFileFormat.Header header)
    {
        Path = path;
        _map = map;
        _view = view;
        _header = header;
        _base = view.SafeMemoryMappedViewHandle.DangerousGetHandle() + (nint)view.PointerOffset;
    }

    public string Path { get; }

    public int Count => (int)_header.Count;

    public long TotalTokens => _header.TotalTokens;

    /// <summary>The max length the examples were truncated to ([CLS] and [SEP] included), or null.</summary>
    public int? MaxLength => _header.MaxLength == 0 ? null : _header.MaxLength;

    public int VocabularySize => _header.VocabularySize;

    public string VocabularySha256 => Convert.ToHexStringLower(_header.VocabularySha256);

    /// <summary>Bytes per stored id: 2 (read with <see cref="UInt16Ids"/>) or 4 (<see cref="Int32Ids"/>).</summary>
    public int TokenIdWidth => _header.TokenWidth;

    /// <summary>Length in tokens of the longest example.</summary>
    public int LongestExample => _header.LongestExample;

    /// <summary>Every label, example by example.</summary>
    public ReadOnlySpan<byte> Labels => MappedSpan<byte>(_header.Sections.Labels, Count);

    /// <summary>Maps <paramref name="path"/> and checks its header and tables; errors name the file and what is wrong.</summary>
    public static TokenFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException($"Token file '{path}' is little-endian and is read in place; this machine is big-endian.");
        }

        long length = new FileInfo(path).Length;
        if (length < TokenFileFormat.HeaderSize)
        {
            throw Corrupt(path, $"it has {length} bytes, fewer than the {TokenFileFormat.HeaderSize}-byte header (truncated?)");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            var header = ReadAndCheckHeader(path, view, length);
            var file = new TokenFile(path, map, view, header);
            file.CheckTables();
            return file;
        }
        catch
        {
            view?.Dispose();
            if (map is null)
            {
                stream.Dispose();
            }

            map?.Dispose();
            throw;
        }
    }

    /// <summary>Number of tokens of example <paramref name="index"/>, [CLS] and [SEP] included (for length grouping).</summary>
    public int Length(int index)
    {
        var offsets = TokenOffsets;
        return (int)(offsets[index + 1] - offsets[index]);
    }

    public byte Label(int index) => Labels[index];

    /// <summary>The example's id as the ingest stage wrote it, e.g. "train/pos/123_8".</summary>
    public string ExampleId(int index) => Encoding.UTF8.GetString(ExampleIdUtf8(index));

    public ReadOnlySpan<byte> ExampleIdUtf8(int index)
    {
        var offsets = MappedSpan<long>(_header.Sections.IdOffsets, Count + 1);
        return MappedSpan<byte>(_header.Sections.IdBlob + offsets[index], (int)(offsets[index + 1] - offsets[index]));
    }

    /// <summary>The ids in place; only for files with 4-byte ids.</summary>
    public ReadOnlySpan<int> Int32Ids(int index)
    {
        RequireWidth(4);
        var (start, length) = Range(index);
        return MappedSpan<int>(_header.Sections.Tokens + start * 4, length);
    }

    /// <summary>The ids in place; only for files with 2-byte ids (vocabularies of at most 65,536 tokens).</summary>
    public ReadOnlySpan<ushort> UInt16Ids(int index)
    {
        RequireWidth(2);
        var (start, length) = Range(index);
        return MappedSpan<ushort>(_header.Sections.Tokens + start * 2, length);
    }

    /// <summary>Copies the ids of example <paramref name="index"/> into <paramref name="destination"/>; returns how many.</summary>
    public int CopyIds(int index, Span<int> destination)
    {
        var (start, length) = Range(index);
        if (_header.TokenWidth == 4)
        {
            MappedSpan<int>(_header.Sections.Tokens + start * 4, length).CopyTo(destination);
        }
        else
        {
            var source = MappedSpan<ushort>(_header.Sections.Tokens + start * 2, length);
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = source[i];
            }
        }

        return length;
    }

    /// <summary>Copies the ids as int64, the type embedding lookups take; returns how many.</summary>
    public int CopyIds(int index, Span<long> destination)
    {
        var (start, length) = Range(index);
        if (_header.TokenWidth == 4)
        {
            var source = MappedSpan<int>(_header.Sections.Tokens + start * 4, length);
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = source[i];
            }
        }
        else
        {
            var source = MappedSpan<ushort>(_header.Sections.Tokens + start * 2, length);
            for (int i = 0; i < source.Length; i++)
            {
                destination[i] = source[i];
            }
        }

        return length;
    }

    public int[] GetIds(int index)
    {
        var ids = new int[Length(index)];
        CopyIds(index, ids);
        return ids;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _view.Dispose();
        _map.Dispose();
    }

    private ReadOnlySpan<long> TokenOffsets => MappedSpan<long>(_header.Sections.Offsets, Count + 1);

    private (long Start, int Length) Range(int index)
    {
        var offsets = TokenOffsets;
        return (offsets[index], (int)(offsets[index + 1] - offsets[index]));
    }

    private void RequireWidth(int width)
    {
        if (_header.TokenWidth != width)
        {
            throw new InvalidOperationException($"Token file '{Path}' stores {_header.TokenWidth}-byte ids; use {(width == 4 ? nameof(UInt16Ids) : nameof(Int32Ids))} or {nameof(CopyIds)}.");
        }
    }

    // The view is pinned for the life of this object; a ref to its address makes a span without copying or unsafe blocks.
    private ReadOnlySpan<T> MappedSpan<T>(long byteOffset, int count)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ref byte start = ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _base + (nint)byteOffset);
        return MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref start), count);
    }

    private static TokenFileFormat.Header ReadAndCheckHeader(string path, MemoryMappedViewAccessor view, long length)
    {
        var bytes = new byte[TokenFileFormat.HeaderSize];
        view.ReadArray(0, bytes, 0, bytes.Length);
        if (!bytes.AsSpan(0, 8).SequenceEqual(TokenFileFormat.Magic))
        {
            throw Corrupt(path, $"it does not start with \"IMDBXTOK\" (found \"{Encoding.ASCII.GetString(bytes, 0, 8).ReplaceLineEndings("?")}\"): not a token file");
        }

        var header = TokenFileFormat.ReadHeader(bytes);
        if (header.Version != TokenFileFormat.Version)
        {
            throw Corrupt(path, $"format version {header.Version}; this build reads version {TokenFileFormat.Version} (rebuild the tokenize stage)");
        }

        if (header.TokenWidth is not (2 or 4) || header.Count is < 0 or > int.MaxValue - 1 || header.TotalTokens < 0 || header.VocabularySize <= 0
            || header.TokenWidth != TokenFileFormat.TokenWidth(header.VocabularySize))
        {
            throw Corrupt(path, $"header fields are inconsistent (id width {header.TokenWidth}, {header.Count} examples, {header.TotalTokens} tokens, vocabulary {header.VocabularySize})");
        }

        long idBytes = header.Sections.FileLength - header.Sections.IdBlob;
        var expected = TokenFileFormat.Layout(header.Count, header.TotalTokens, header.TokenWidth, idBytes);
        if (idBytes < 0 || expected != header.Sections)
        {
            throw Corrupt(path, "its section offsets do not match its counts");
        }

        if (length != header.Sections.FileLength)
        {
            throw Corrupt(path, $"it has {length} bytes but its header says {header.Sections.FileLength} (truncated or appended to)");
        }

        return header;
    }

    private void CheckTables()
    {
        CheckOffsets(TokenOffsets, TotalTokens, "token offsets");
        CheckOffsets(MappedSpan<long>(_header.Sections.IdOffsets, Count + 1), _header.Sections.FileLength - _header.Sections.IdBlob, "example-id offsets");
        int longest = 0;
        for (int i = 0; i < Count; i++)
        {
            longest = Math.Max(longest, Length(i));
        }

        if (longest != LongestExample)
        {
            throw Corrupt(Path, $"its longest example has {longest} tokens but its header says {LongestExample}");
        }
    }

    private void CheckOffsets(ReadOnlySpan<long> offsets, long total, string name)
    {
        if (offsets[0] != 0 || offsets[^1] != total)
        {
            throw Corrupt(Path, $"its {name} run from {offsets[0]} to {offsets[^1]}, expected 0 to {total}");
        }

        for (int i = 1; i < offsets.Length; i++)
        {
            if (offsets[i] < offsets[i - 1] || offsets[i] - offsets[i - 1] > int.MaxValue)
            {
                throw Corrupt(Path, $"its {name} go from {offsets[i - 1]} to {offsets[i]} at example {i - 1}");
            }
        }
    }

    private static InvalidDataException Corrupt(string path, string problem) =>
        new($"Token file '{path}' is not usable: {problem}. Delete it and run the tokenize stage again.");
}
