using System.Security.Cryptography;
using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

/// <summary>The one writer of the reviews file that both ingesters (archive, tables) use.</summary>
public sealed class ReviewFileWriterTests
{
    static ReviewFileWriter.Line Line(string id, ReviewSplit split, int label, int rating, string text) =>
        new(id, split, label, rating, Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Write_IsTheReviewFileFormat_ByteForByte_WithItsHashAndSize()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("ingest", "reviews.jsonl");

        var (sha256, size) = ReviewFileWriter.Write(
            [Line("train/pos/1", ReviewSplit.Train, 1, 9, "Café <br /> \"fine\"\tfilm"), Line("test/3", ReviewSplit.Test, 0, 0, "ok")], path, CancellationToken.None);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(
            "{\"id\":\"train/pos/1\",\"split\":\"train\",\"label\":1,\"rating\":9,\"text\":\"Café <br /> \\\"fine\\\"\\tfilm\"}\n" +
            "{\"id\":\"test/3\",\"split\":\"test\",\"label\":0,\"rating\":0,\"text\":\"ok\"}\n",
            Encoding.UTF8.GetString(bytes));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha256);
        Assert.Equal(bytes.Length, size);
        Assert.Equal(["train/pos/1", "test/3"], ReviewFile.Read(path).Select(r => r.Id));
    }

    [Fact]
    public void Write_OfMoreThanOneFlush_HashesEveryByte()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("reviews.jsonl");
        var lines = Enumerable.Range(0, 3000).Select(i => Line($"train/{i}", ReviewSplit.Train, i % 2, 0, new string('x', 1000))).ToList();

        var (sha256, size) = ReviewFileWriter.Write(lines, path, CancellationToken.None);

        var bytes = File.ReadAllBytes(path);
        Assert.True(size > 2 << 20, $"{size} bytes: not past the flush threshold");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha256);
        Assert.Equal(3000, ReviewFile.Read(path).Count);
    }

    [Fact]
    public void Write_Cancelled_LeavesNeitherTheFileNorATemporary()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("reviews.jsonl");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => ReviewFileWriter.Write([Line("train/1", ReviewSplit.Train, 0, 0, "short")], path, cancelled.Token));

        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }
}
