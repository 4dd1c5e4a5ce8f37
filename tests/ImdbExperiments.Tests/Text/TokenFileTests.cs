using System.Text;
using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

public sealed class TokenFileTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tokenfile-tests-" + Guid.NewGuid().ToString("N"));

    public TokenFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly string Sha = new('a', 64);

    private static EncodedTexts Encoded(params int[][] examples)
    {
        var offsets = new long[examples.Length + 1];
        for (int i = 0; i < examples.Length; i++)
        {
            offsets[i + 1] = offsets[i] + examples[i].Length;
        }

        return new EncodedTexts(examples.SelectMany(e => e).ToArray(), offsets);
    }

    private async Task<string> WriteAsync(string name, EncodedTexts encoded, int vocabularySize, int? maxLength = 8)
    {
        string path = Path.Combine(_folder, name);
        await TokenFileWriter.WriteAsync(
            path, encoded, Enumerable.Range(0, encoded.Count).Select(i => (byte)(i % 2)).ToArray(),
            Enumerable.Range(0, encoded.Count).Select(i => $"train/pos/{i}_ü").ToArray(),
            new TokenFileMetadata(maxLength, vocabularySize, Sha));
        return path;
    }

    [Fact]
    public async Task RoundTrip_SmallVocabulary_StoresTwoByteIds()
    {
        string path = await WriteAsync("train.tokens", Encoded([2, 10, 65535, 3], [], [2, 3]), vocabularySize: 65536);
        using var file = TokenFile.Open(path);
        Assert.Equal(2, file.TokenIdWidth);
        Assert.Equal(3, file.Count);
        Assert.Equal(6, file.TotalTokens);
        Assert.Equal(8, file.MaxLength);
        Assert.Equal(65536, file.VocabularySize);
        Assert.Equal(Sha, file.VocabularySha256);
        Assert.Equal(4, file.LongestExample);
        Assert.Equal([4, 0, 2], Enumerable.Range(0, 3).Select(file.Length));
        Assert.Equal([2, 10, 65535, 3], file.GetIds(0));
        Assert.Empty(file.GetIds(1));
        Assert.Equal([(ushort)2, (ushort)3], file.UInt16Ids(2).ToArray());
        Assert.Equal([(byte)0, (byte)1, (byte)0], file.Labels.ToArray());
        Assert.Equal("train/pos/1_ü", file.ExampleId(1));
        Span<long> longs = stackalloc long[4];
        Assert.Equal(4, file.CopyIds(0, longs));
        Assert.Equal([2L, 10L, 65535L, 3L], longs.ToArray());
        Assert.Throws<InvalidOperationException>(() => file.Int32Ids(0).Length);
    }

    [Fact]
    public async Task RoundTrip_LargeVocabulary_StoresFourByteIds()
    {
        string path = await WriteAsync("big.tokens", Encoded([2, 70000, 3]), vocabularySize: 70001, maxLength: null);
        using var file = TokenFile.Open(path);
        Assert.Equal(4, file.TokenIdWidth);
        Assert.Null(file.MaxLength);
        Assert.Equal([2, 70000, 3], file.Int32Ids(0).ToArray());
        Assert.Equal([2, 70000, 3], file.GetIds(0));
    }

    [Fact]
    public async Task RoundTrip_OfEncodedReviews_GivesBackTheEncoderIds()
    {
        var encoder = TestVocabulary.Encoder(new() { MaxLength = 16 });
        string[] texts = ["The movie was great!", "", "unbelievably playing café 日本", "hello world hello world hello world hello world hello"];
        var encoded = encoder.EncodeAll(texts);
        string path = Path.Combine(_folder, "test.tokens");
        await TokenFileWriter.WriteAsync(path, encoded, [1, 0, 1, 0], ["a", "b", "c", "d"], TokenFileMetadata.From(encoder));
        using var file = TokenFile.Open(path);
        Assert.Equal(encoder.Vocabulary.Sha256, file.VocabularySha256);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(encoder.Encode(texts[i]), file.GetIds(i));
        }
    }

    [Fact]
    public async Task Write_IsByteIdentical_ForSameInputs_AndAnyEncoderThreadCount()
    {
        var encoder = TestVocabulary.Encoder(new() { MaxLength = 24 });
        var random = new Random(3);
        string[] texts = Enumerable.Range(0, 700).Select(_ => LibraryParityTests.GenerateText(random)).ToArray();
        byte[] labels = texts.Select(t => (byte)(t.Length % 2)).ToArray();
        string[] ids = texts.Select((_, i) => $"test/neg/{i}_1").ToArray();
        string first = Path.Combine(_folder, "first.tokens"), second = Path.Combine(_folder, "second.tokens");
        await TokenFileWriter.WriteAsync(first, encoder.EncodeAll(texts, 1), labels, ids, TokenFileMetadata.From(encoder));
        await TokenFileWriter.WriteAsync(second, encoder.EncodeAll(texts, 4), labels, ids, TokenFileMetadata.From(encoder));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public async Task Write_LeavesOnlyTheFinalFile_AndReplacesAnOldOne()
    {
        await WriteAsync("x.tokens", Encoded([1]), 10);
        string path = await WriteAsync("x.tokens", Encoded([1, 2], [3]), 10);
        Assert.Equal(["x.tokens"], Directory.GetFiles(_folder).Select(Path.GetFileName));
        using var file = TokenFile.Open(path);
        Assert.Equal(2, file.Count);
    }

    [Fact]
    public async Task Write_IdOutsideTheVocabulary_FailsAndLeavesNoFile()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => WriteAsync("bad.tokens", Encoded([1, 10]), vocabularySize: 10));
        Assert.Contains("id 10", error.Message);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task Write_CountsThatDisagree_AreRejected()
    {
        string path = Path.Combine(_folder, "n.tokens");
        await Assert.ThrowsAsync<ArgumentException>(() => TokenFileWriter.WriteAsync(path, Encoded([1], [2]), [1], ["a", "b"], new TokenFileMetadata(8, 10, Sha)));
    }

    [Fact]
    public async Task Open_WrongMagic_SaysItIsNotATokenFile()
    {
        string path = await WriteAsync("m.tokens", Encoded([1, 2]), 10);
        Patch(path, 0, "NOTTOKEN"u8);
        var error = Assert.Throws<InvalidDataException>(() => TokenFile.Open(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("IMDBXTOK", error.Message);
    }

    [Fact]
    public async Task Open_OtherVersion_NamesTheVersion()
    {
        string path = await WriteAsync("v.tokens", Encoded([1, 2]), 10);
        Patch(path, 8, [99, 0, 0, 0]);
        var error = Assert.Throws<InvalidDataException>(() => TokenFile.Open(path));
        Assert.Contains("version 99", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Open_TruncatedFile_SaysTruncated()
    {
        string path = await WriteAsync("t.tokens", Encoded([1, 2, 3], [4]), 10);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        var error = Assert.Throws<InvalidDataException>(() => TokenFile.Open(path));
        Assert.Contains("truncated", error.Message);
        Assert.Contains(path, error.Message);

        File.WriteAllBytes(path, bytes[..40]);
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => TokenFile.Open(path)).Message);
    }

    [Fact]
    public async Task Open_CorruptOffsets_IsRejected()
    {
        string path = await WriteAsync("o.tokens", Encoded([1, 2, 3], [4]), 10);
        Patch(path, 128 + 8, BitConverter.GetBytes(7L)); // example 0 would end past the last token
        var error = Assert.Throws<InvalidDataException>(() => TokenFile.Open(path));
        Assert.Contains("token offsets", error.Message);
    }

    [Fact]
    public async Task Open_EmptyDataset_Works()
    {
        string path = await WriteAsync("e.tokens", Encoded(), 10);
        using var file = TokenFile.Open(path);
        Assert.Equal(0, file.Count);
        Assert.Equal(0, file.TotalTokens);
    }

    [Fact]
    public async Task File_StartsWithTheDocumentedHeader()
    {
        string path = await WriteAsync("h.tokens", Encoded([5, 6, 7]), 10);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal("IMDBXTOK", Encoding.ASCII.GetString(bytes, 0, 8));
        Assert.Equal(1u, BitConverter.ToUInt32(bytes, 8));
        Assert.Equal(2u, BitConverter.ToUInt32(bytes, 12));
        Assert.Equal(1L, BitConverter.ToInt64(bytes, 16));
        Assert.Equal(3L, BitConverter.ToInt64(bytes, 24));
        Assert.Equal(8, BitConverter.ToInt32(bytes, 32));
        Assert.Equal(new byte[] { 5, 0, 6, 0, 7, 0 }, bytes[(128 + 16)..(128 + 22)]);
        Assert.Equal(bytes.Length, BitConverter.ToInt64(bytes, 112));
    }

    private static void Patch(string path, int offset, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.Position = offset;
        stream.Write(bytes);
    }
}
