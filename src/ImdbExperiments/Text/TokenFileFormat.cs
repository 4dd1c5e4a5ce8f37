using System.Buffers.Binary;

namespace ImdbExperiments.Text;

/// <summary>
/// Layout of a token file (one per split, e.g. train.tokens), version 1. Little-endian throughout; every section
/// starts on an 8-byte boundary, so a mapped file can be read as spans in place. Same inputs, same bytes.
/// <code>
/// offset size  field
///      0    8  magic "IMDBXTOK"
///      8    4  format version (uint32) = 1
///     12    4  bytes per token id (uint32): 2 (uint16, vocabulary of at most 65,536) or 4 (int32)
///     16    8  example count N (int64)
///     24    8  total token count T (int64)
///     32    4  max length the examples were truncated to, [CLS] and [SEP] included (int32; 0 = none)
///     36    4  vocabulary size (int32)
///     40   32  vocabulary SHA-256 (WordPieceVocabulary.Sha256, raw bytes)
///     72    8  start of token offsets (int64; = 128)
///     80    8  start of token ids
///     88    8  start of labels
///     96    8  start of example-id offsets
///    104    8  start of example-id bytes
///    112    8  file length (int64)
///    120    4  longest example, in tokens (int32)
///    124    4  reserved, zero
///    128       token offsets: N + 1 int64, where example i starts in the token ids; [0] = 0, [N] = T
///              token ids: T × (uint16 | int32), zero-padded to 8 bytes
///              labels: N bytes, zero-padded to 8 bytes
///              example-id offsets: N + 1 int64 byte offsets into the example-id bytes; [0] = 0
///              example-id bytes: the ids in UTF-8, back to back, up to the end of the file
/// </code>
/// </summary>
internal static class TokenFileFormat
{
    public const int Version = 1;
    public const int HeaderSize = 128;
    public static ReadOnlySpan<byte> Magic => "IMDBXTOK"u8;

    public static int TokenWidth(int vocabularySize) => vocabularySize <= 65536 ? 2 : 4;

    public static long Align8(long value) => (value + 7) & ~7L;

    /// <summary>Where each section starts, derived from the counts alone: a reader checks the header against these.</summary>
    public static Sections Layout(long count, long totalTokens, int tokenWidth, long idBytes)
    {
        long offsets = HeaderSize;
        long tokens = offsets + (count + 1) * 8;
        long labels = Align8(tokens + totalTokens * tokenWidth);
        long idOffsets = Align8(labels + count);
        long idBlob = idOffsets + (count + 1) * 8;
        return new Sections(offsets, tokens, labels, idOffsets, idBlob, idBlob + idBytes);
    }

    public static void WriteHeader(Span<byte> header, in Header value)
    {
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)value.TokenWidth);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], value.Count);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], value.TotalTokens);
        BinaryPrimitives.WriteInt32LittleEndian(header[32..], value.MaxLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[36..], value.VocabularySize);
        value.VocabularySha256.CopyTo(header[40..72]);
        BinaryPrimitives.WriteInt64LittleEndian(header[72..], value.Sections.Offsets);
        BinaryPrimitives.WriteInt64LittleEndian(header[80..], value.Sections.Tokens);
        BinaryPrimitives.WriteInt64LittleEndian(header[88..], value.Sections.Labels);
        BinaryPrimitives.WriteInt64LittleEndian(header[96..], value.Sections.IdOffsets);
        BinaryPrimitives.WriteInt64LittleEndian(header[104..], value.Sections.IdBlob);
        BinaryPrimitives.WriteInt64LittleEndian(header[112..], value.Sections.FileLength);
        BinaryPrimitives.WriteInt32LittleEndian(header[120..], value.LongestExample);
    }

    public static Header ReadHeader(ReadOnlySpan<byte> header) => new(
        Version: BinaryPrimitives.ReadUInt32LittleEndian(header[8..]),
        TokenWidth: (int)BinaryPrimitives.ReadUInt32LittleEndian(header[12..]),
        Count: BinaryPrimitives.ReadInt64LittleEndian(header[16..]),
        TotalTokens: BinaryPrimitives.ReadInt64LittleEndian(header[24..]),
        MaxLength: BinaryPrimitives.ReadInt32LittleEndian(header[32..]),
        VocabularySize: BinaryPrimitives.ReadInt32LittleEndian(header[36..]),
        VocabularySha256: header[40..72].ToArray(),
        Sections: new Sections(
            BinaryPrimitives.ReadInt64LittleEndian(header[72..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[80..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[88..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[96..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[104..]),
            BinaryPrimitives.ReadInt64LittleEndian(header[112..])),
        LongestExample: BinaryPrimitives.ReadInt32LittleEndian(header[120..]));

    public readonly record struct Sections(long Offsets, long Tokens, long Labels, long IdOffsets, long IdBlob, long FileLength);

    public readonly record struct Header(
        uint Version, int TokenWidth, long Count, long TotalTokens, int MaxLength, int VocabularySize,
        byte[] VocabularySha256, Sections Sections, int LongestExample);
}
