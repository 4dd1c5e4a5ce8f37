using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

public sealed class ImdbIngesterTests : IDisposable
{
    private static readonly IngestOptions Partial = new(DedupeMode.None, Partial: true);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Output => _temp.Combine("out/reviews.jsonl");

    [Fact]
    public void Ingest_WritesReviewsSortedBySplitLabelAndNumericId()
    {
        string archive = Synthetic(perLabel: 12);

        var result = ImdbIngester.Ingest(archive, Output, Partial);

        var reviews = ReviewFile.Read(Output);
        Assert.Equal(new ReviewCounts(12, 12, 12, 12), result.Found);
        Assert.Equal(48, reviews.Count);
        var expectedIds = new[] { "train/neg", "train/pos", "test/neg", "test/pos" }
            .SelectMany(folder => Enumerable.Range(0, 12).Select(i => $"{folder}/{i}"));
        Assert.Equal(expectedIds, reviews.Select(r => r.Id)); // numeric: 2 before 10
        Assert.All(reviews, r => Assert.Equal(r.Id.StartsWith("train/") ? ReviewSplit.Train : ReviewSplit.Test, r.Split));
        Assert.All(reviews, r => Assert.Equal(r.Id.Contains("/pos/") ? Review.Positive : Review.Negative, r.Label));
        Assert.All(reviews, r => Assert.InRange(r.Rating, r.Label == Review.Positive ? 7 : 1, r.Label == Review.Positive ? 10 : 4));
    }

    [Fact]
    public void Ingest_WritesOneJsonObjectPerLineWithKeysInOrder()
    {
        string archive = new TarGzBuilder().OneReviewEach().Write(_temp.Combine("a.tar.gz"));

        ImdbIngester.Ingest(archive, Output, Partial);

        Assert.Equal(
            "{\"id\":\"train/neg/0\",\"split\":\"train\",\"label\":0,\"rating\":1,\"text\":\"Bad.\"}\n" +
            "{\"id\":\"train/pos/0\",\"split\":\"train\",\"label\":1,\"rating\":10,\"text\":\"Good.\"}\n" +
            "{\"id\":\"test/neg/0\",\"split\":\"test\",\"label\":0,\"rating\":2,\"text\":\"Dull.\"}\n" +
            "{\"id\":\"test/pos/0\",\"split\":\"test\",\"label\":1,\"rating\":9,\"text\":\"Fun.\"}\n",
            File.ReadAllText(Output));
        Assert.False(File.ReadAllBytes(Output).AsSpan().StartsWith(Encoding.UTF8.Preamble));
    }

    [Fact]
    public void Ingest_KeepsTextVerbatim()
    {
        const string text = "Café, naïve, Amélie. \"Quoted\" <br /><br />tab\there, backslash \\, emoji 🎬,\nnew line.";
        string archive = new TarGzBuilder().OneReviewEach().File("aclImdb/train/pos/1_8.txt", text).Write(_temp.Combine("a.tar.gz"));

        ImdbIngester.Ingest(archive, Output, Partial);

        Assert.Equal(text, ReviewFile.Read(Output).Single(r => r.Id == "train/pos/1").Text);
        string raw = File.ReadAllText(Output);
        Assert.Contains("Café, naïve, Amélie.", raw);
        Assert.Contains("<br /><br />", raw);
        Assert.Equal(5, raw.Count(c => c == '\n')); // the review's own newline is escaped
    }

    [Fact]
    public void Ingest_IgnoresUnsupUrlsReadmeAndOtherFiles()
    {
        string archive = new TarGzBuilder()
            .Directory("aclImdb/")
            .File("aclImdb/README", "readme")
            .File("aclImdb/imdb.vocab", "the\n")
            .File("aclImdb/train/unsup/0_0.txt", "Unlabelled.")
            .File("aclImdb/train/urls_pos.txt", "http://example.invalid\n")
            .File("aclImdb/train/pos/notes/1_9.txt", "Deeper than a review folder.")
            .File("other/train/pos/1_9.txt", "Outside aclImdb.")
            .OneReviewEach()
            .Write(_temp.Combine("a.tar.gz"));

        var result = ImdbIngester.Ingest(archive, Output, Partial);

        Assert.Equal(4, result.Written.Total);
        Assert.Equal(7, result.IgnoredEntries);
        Assert.DoesNotContain(ReviewFile.Read(Output), r => r.Text.Contains("Unlabelled"));
    }

    [Fact]
    public void Ingest_AcceptsLeadingDotSlash()
    {
        string archive = new TarGzBuilder()
            .File("./aclImdb/train/neg/0_1.txt", "Bad.")
            .File("./aclImdb/train/pos/0_10.txt", "Good.")
            .File("./aclImdb/test/neg/0_2.txt", "Dull.")
            .File("./aclImdb/test/pos/0_9.txt", "Fun.")
            .Write(_temp.Combine("a.tar.gz"));

        var result = ImdbIngester.Ingest(archive, Output, Partial);

        Assert.Equal(new ReviewCounts(1, 1, 1, 1), result.Found);
    }

    [Fact]
    public void Ingest_RequiresFullCountsUnlessPartial()
    {
        string archive = Synthetic(perLabel: 5);

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, IngestOptions.Default));

        Assert.Contains(archive, error.Message);
        Assert.Contains("train/neg 5, train/pos 5, test/neg 5, test/pos 5", error.Message);
        Assert.Contains("12500", error.Message);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void Ingest_CountsDuplicateTextsAndGroupsAcrossSplits()
    {
        var result = ImdbIngester.Ingest(Synthetic(perLabel: 8), Output, Partial);

        // Planted: train/neg/2 = train/neg/3 = test/neg/3, train/pos/2 = test/pos/2, test/pos/1 = test/pos/3.
        Assert.Equal(new DuplicateStats(RepeatedFiles: 4, Groups: 3, CrossSplitGroups: 2, ConflictingLabelGroups: 0), result.Duplicates);
        Assert.Equal(0, result.RemovedByDedupe);
        Assert.Equal(32, result.Written.Total);
    }

    [Fact]
    public void Ingest_DedupeWithinSplitKeepsFirstCopyInEachSplit()
    {
        var result = ImdbIngester.Ingest(Synthetic(perLabel: 8), Output, Partial with { Dedupe = DedupeMode.WithinSplit });

        var ids = ReviewFile.Read(Output).Select(r => r.Id).ToHashSet();
        Assert.Equal(2, result.RemovedByDedupe);
        Assert.Equal(new ReviewCounts(7, 8, 8, 7), result.Written);
        Assert.DoesNotContain("train/neg/3", ids);
        Assert.DoesNotContain("test/pos/3", ids);
        Assert.Superset(new HashSet<string> { "train/neg/2", "test/neg/3", "train/pos/2", "test/pos/2", "test/pos/1" }, ids);
    }

    [Fact]
    public void Ingest_DedupeAcrossSplitsAlsoDropsTrainCopiesOfTestTexts()
    {
        var result = ImdbIngester.Ingest(Synthetic(perLabel: 8), Output, Partial with { Dedupe = DedupeMode.AcrossSplits });

        var reviews = ReviewFile.Read(Output);
        var ids = reviews.Select(r => r.Id).ToHashSet();
        Assert.Equal(4, result.RemovedByDedupe);
        Assert.Equal(new ReviewCounts(6, 7, 8, 7), result.Written);
        Assert.All(new[] { "train/neg/2", "train/neg/3", "train/pos/2", "test/pos/3" }, id => Assert.DoesNotContain(id, ids));
        Assert.Superset(new HashSet<string> { "test/neg/3", "test/pos/2", "test/pos/1" }, ids);
        Assert.Equal(reviews.Count, reviews.Select(r => r.Text).Distinct().Count());
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("aclImdb/../../etc/passwd")]
    [InlineData("/aclImdb/train/pos/1_9.txt")]
    public void Ingest_RejectsEntriesOutsideTheArchiveRoot(string name)
    {
        string archive = new TarGzBuilder().OneReviewEach().File(name, "Sneaky.").Write(_temp.Combine("a.tar.gz"));

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Equal(name, error.EntryName);
        Assert.Contains($"'{name}'", error.Message);
        Assert.Contains(archive, error.Message);
        Assert.False(File.Exists(Output));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.Fifo)]
    public void Ingest_RejectsLinksAndDevicesAtReviewPaths(TarEntryType type)
    {
        string archive = new TarGzBuilder()
            .OneReviewEach()
            .Special("aclImdb/train/pos/1_9.txt", type, linkName: type is TarEntryType.SymbolicLink or TarEntryType.HardLink ? "/etc/passwd" : "")
            .Write(_temp.Combine("a.tar.gz"));

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Equal("aclImdb/train/pos/1_9.txt", error.EntryName);
        Assert.Contains(type.ToString(), error.Message);
    }

    [Theory]
    [InlineData("aclImdb/train/pos/review.txt", "<id>_<rating>.txt")]
    [InlineData("aclImdb/train/pos/1_9.text", "<id>_<rating>.txt")]
    [InlineData("aclImdb/train/pos/-1_9.txt", "<id>_<rating>.txt")]
    [InlineData("aclImdb/train/pos/1_5.txt", "7-10")]
    [InlineData("aclImdb/test/neg/1_7.txt", "1-4")]
    public void Ingest_RejectsBadReviewNames(string name, string expectedHint)
    {
        string archive = new TarGzBuilder().OneReviewEach().File(name, "Text.").Write(_temp.Combine("a.tar.gz"));

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Equal(name, error.EntryName);
        Assert.Contains(expectedHint, error.Message);
    }

    [Fact]
    public void Ingest_RejectsTextThatIsNotUtf8()
    {
        string archive = new TarGzBuilder().OneReviewEach().File("aclImdb/test/pos/5_8.txt", [0x43, 0x61, 0x66, 0xE9, 0x21])
            .Write(_temp.Combine("a.tar.gz"));

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Equal("aclImdb/test/pos/5_8.txt", error.EntryName);
        Assert.Contains("not valid UTF-8 (first bad byte at offset 3)", error.Message);
    }

    [Fact]
    public void Ingest_RejectsTheSameIdTwice()
    {
        string archive = new TarGzBuilder().OneReviewEach().File("aclImdb/train/pos/0_9.txt", "Again.").Write(_temp.Combine("a.tar.gz"));

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Contains("'aclImdb/train/pos/0_10.txt' and 'aclImdb/train/pos/0_9.txt'", error.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.97)]
    public void Ingest_TruncatedArchiveIsAClearErrorNamingIt(double keep)
    {
        string archive = Synthetic(perLabel: 30);
        var bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(int)(bytes.Length * keep)]);

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Contains(archive, error.Message);
        Assert.Contains("truncated or corrupt", error.Message);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public void Ingest_FileThatIsNotGzipIsAClearErrorNamingIt()
    {
        string archive = _temp.Combine("not-an-archive.tar.gz");
        File.WriteAllText(archive, "<html>Sign in to continue</html>");

        var error = Assert.Throws<ImdbArchiveException>(() => ImdbIngester.Ingest(archive, Output, Partial));

        Assert.Contains(archive, error.Message);
        Assert.Contains("truncated or corrupt", error.Message);
    }

    [Fact]
    public void Ingest_IsDeterministicAndReportsTheOutputHash()
    {
        string archive = Synthetic(perLabel: 10);

        var first = ImdbIngester.Ingest(archive, Output, Partial);
        var firstBytes = File.ReadAllBytes(Output);
        var second = ImdbIngester.Ingest(archive, Output, Partial);

        Assert.Equal(first, second);
        Assert.Equal(firstBytes, File.ReadAllBytes(Output));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(firstBytes)), first.Sha256);
        Assert.Equal(firstBytes.Length, first.ByteSize);
        Assert.Equal([Output], Directory.GetFiles(Path.GetDirectoryName(Output)!)); // no temporary files left behind
    }

    [Fact]
    public void ReviewFile_ErrorsNameTheFileAndLine()
    {
        string path = _temp.Combine("reviews.jsonl");
        File.WriteAllText(path,
            "{\"id\":\"train/neg/0\",\"split\":\"train\",\"label\":0,\"rating\":1,\"text\":\"Bad.\"}\n" +
            "{\"id\":\"train/pos/0\",\"split\":\"train\",\"label\":1,\"rating\":9,\"txt\":\"Good.\"}\n");

        var error = Assert.Throws<InvalidDataException>(() => ReviewFile.Read(path));

        Assert.Contains($"{path} line 2", error.Message);
        Assert.Contains("unknown key \"txt\"", error.Message);
    }

    [Fact]
    public void ReviewFile_RejectsAMissingFinalNewline()
    {
        string path = _temp.Combine("reviews.jsonl");
        File.WriteAllText(path, "{\"id\":\"train/neg/0\",\"split\":\"train\",\"label\":0,\"rating\":1,\"text\":\"Bad.\"}");

        var error = Assert.Throws<InvalidDataException>(() => ReviewFile.Read(path));

        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void ReviewFile_ReadsLargeFilesInOrderAndNamesTheFirstBadLine()
    {
        // Over 4 MiB, so the file is parsed in parallel chunks.
        string path = _temp.Combine("large.jsonl");
        string filler = new('x', 1500);
        var lines = Enumerable.Range(0, 4000)
            .Select(i => $"{{\"id\":\"train/pos/{i}\",\"split\":\"train\",\"label\":1,\"rating\":8,\"text\":\"{i} {filler}\"}}\n")
            .ToList();
        File.WriteAllText(path, string.Concat(lines));

        var reviews = ReviewFile.Read(path);

        Assert.Equal(Enumerable.Range(0, 4000).Select(i => $"train/pos/{i}"), reviews.Select(r => r.Id));
        Assert.Equal($"3999 {filler}", reviews[^1].Text);

        lines[1000] = lines[1000].Replace("\"label\":1", "\"label\":256");
        lines[3500] = "not json\n";
        File.WriteAllText(path, string.Concat(lines));

        var error = Assert.Throws<InvalidDataException>(() => ReviewFile.Read(path));

        Assert.Equal($"{path} line 1001: label is 256; allowed: a class id from 0 to 255 (0 negative, 1 positive for sentiment).", error.Message);
    }

    private string Synthetic(int perLabel)
    {
        string path = _temp.Combine($"synthetic-{perLabel}.tar.gz");
        SyntheticImdb.WriteArchive(path, perLabel, seed: 3);
        return path;
    }
}
