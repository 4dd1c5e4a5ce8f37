using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Data.TableFiles;
using ImdbExperiments.Tests.Support;
using Parquet;
using Parquet.Schema;

namespace ImdbExperiments.Tests.Data.TableFiles;

public sealed class TableIngesterTests : IDisposable
{
    static readonly TableColumns Default = new("text", "label", null);
    readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    string Write(string name, string content) => WriteBytes(name, Encoding.UTF8.GetBytes(content));

    string WriteBytes(string name, byte[] content)
    {
        var path = folder.Combine(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    async Task<(TableIngestResult Result, IReadOnlyList<Review> Reviews)> Ingest(
        string train, string? test = null, TableColumns? columns = null, bool skip = false, double fraction = 0.2, int seed = 1)
    {
        var output = folder.Combine("out", "reviews.jsonl");
        var request = new TableIngestRequest(Source(train), test is null ? null : Source(test), columns ?? Default, skip, fraction, seed);
        var result = await TableIngester.IngestAsync(request, output);
        return (result, ReviewFile.Read(output));
    }

    static TableSource Source(string path) => new(path, TableFormats.FromExtension(path)!.Value);

    static Review ById(IEnumerable<Review> reviews, string id) => Assert.Single(reviews, r => r.Id == id);

    [Fact]
    public async Task Csv_QuotedDelimitersNewlinesAndDoubledQuotes_AreReadVerbatim()
    {
        // RFC 4180 section 2: CRLF records, a header, quoted fields holding commas, CRLF and "" for a quote; plus a UTF-8 BOM.
        var train = WriteBytes("train.csv", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(
            "text,label\r\n\"great, really\",pos\r\n\"two\r\nlines and \"\"quotes\"\"\",neg\r\ncafé plain,pos\r\n")]);
        var test = Write("test.csv", "label,text\nneg,bad\npos,fine\n");

        var (result, reviews) = await Ingest(train, test);

        Assert.Equal("great, really", ById(reviews, "train/1").Text);
        Assert.Equal("two\r\nlines and \"quotes\"", ById(reviews, "train/2").Text);
        Assert.Equal("café plain", ById(reviews, "train/3").Text);
        Assert.Equal(["neg", "pos"], result.Labels);
        Assert.Equal(1, ById(reviews, "train/1").Label);
        Assert.Equal(0, ById(reviews, "train/2").Label);
        Assert.Equal(ReviewSplit.Test, ById(reviews, "test/1").Split);
        Assert.Equal(new ReviewCounts(1, 2, 1, 1), result.Written);
    }

    [Fact]
    public async Task Tsv_TabSeparatedFieldsWithQuotedTabs_AreRead()
    {
        var train = Write("train.tsv", "id\ttext\tlabel\na7\t\"tab\there\"\t0\nb9\tplain\t1\n");
        var test = Write("test.tsv", "id\ttext\tlabel\nx\tother\t1\n");

        var (_, reviews) = await Ingest(train, test, Default with { Id = "id" });

        Assert.Equal("tab\there", ById(reviews, "train/a7").Text);
        Assert.Equal(1, ById(reviews, "train/b9").Label);
        Assert.Equal(ReviewSplit.Test, ById(reviews, "test/x").Split);
    }

    [Fact]
    public async Task Jsonl_IntegerAndStringValues_AreReadAndBlankLinesAreNotRecords()
    {
        var train = Write("train.jsonl", "{\"text\":\"ok \\\"quoted\\\"\",\"label\":0,\"id\":5}\n\n{\"label\":1,\"text\":\"yes\",\"id\":\"six\",\"extra\":[1]}");
        var test = Write("test.jsonl", "{\"text\":\"t\",\"label\":1,\"id\":1}\n");

        var (result, reviews) = await Ingest(train, test, Default with { Id = "id" });

        Assert.Equal("ok \"quoted\"", ById(reviews, "train/5").Text);
        Assert.Equal(1, ById(reviews, "train/six").Label);
        Assert.True(result.IntegerLabels);
        Assert.Equal(3, reviews.Count);
    }

    [Fact]
    public async Task Parquet_StringTextAndIntegerLabels_AreReadAcrossRowGroups()
    {
        var path = folder.Combine("train.parquet");
        var text = new DataField<string>("text");
        var label = new DataField<long>("label");
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(text, label), stream))
        {
            foreach (var (texts, labels) in new[] { (new[] { "a", "b" }, new long[] { 10, 9 }), (new[] { "c", "d" }, new long[] { 9, 10 }) })
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(text, texts);
                await group.WriteAsync<long>(label, labels.AsMemory());
            }
        }

        var test = Write("test.csv", "text,label\nz,10\n");
        var (result, reviews) = await Ingest(path, test);

        // Integer labels sort numerically (9 before 10), not as strings.
        Assert.Equal(["9", "10"], result.Labels);
        Assert.Equal(1, ById(reviews, "train/1").Label);
        Assert.Equal(0, ById(reviews, "train/2").Label);
        Assert.Equal("d", ById(reviews, "train/4").Text);
        Assert.Equal(1, ById(reviews, "test/1").Label);
    }

    [Fact]
    public async Task Labels_StringsSortOrdinally_AndMapToZeroAndOne()
    {
        var train = Write("train.csv", "text,label\na,positive\nb,Negative\nc,positive\n");
        var test = Write("test.csv", "text,label\nd,Negative\n");

        var (result, reviews) = await Ingest(train, test);

        Assert.Equal(["Negative", "positive"], result.Labels); // ordinal: 'N' (0x4E) before 'p' (0x70)
        Assert.Equal(0, ById(reviews, "train/2").Label);
        Assert.False(result.IntegerLabels);
    }

    [Fact]
    public async Task Labels_MoreThanTwo_BecomeClassIdsInSortedOrder()
    {
        var train = Write("train.csv", "text,label\na,c\nb,a\nc,e\nd,b\ne,d\n");
        var test = Write("test.csv", "text,label\nf,e\ng,e\n");

        var (result, reviews) = await Ingest(train, test);

        Assert.Equal(["a", "b", "c", "d", "e"], result.Labels);
        Assert.Equal(2, ById(reviews, "train/1").Label);  // "c"
        Assert.Null(result.Written);
        Assert.Equal(new LabelCounts([1, 1, 1, 1, 1], [0, 0, 0, 0, 2]), result.PerLabel);
    }

    [Fact]
    public async Task Labels_OnlyOne_FailWithOneLineSayingHowManyAreAllowed()
    {
        var train = Write("train.csv", "text,label\na,x\nb,x\n");

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(train));

        Assert.Equal($"{train}: column 'label' (data.label_column) has 1 label (x); a classifier needs 2 to 256 distinct labels.", error.Message);
    }

    [Fact]
    public async Task TestCarveOut_IsStratifiedByLabelAndDeterministicFromTheSeed()
    {
        var rows = string.Concat(Enumerable.Range(0, 100).Select(i => $"text {i},{(i < 30 ? "a" : "b")}\n"));
        var train = Write("train.csv", "text,label\n" + rows);

        var (first, reviewsA) = await Ingest(train, fraction: 0.2, seed: 3);
        var (_, reviewsB) = await Ingest(train, fraction: 0.2, seed: 3);
        var (_, reviewsC) = await Ingest(train, fraction: 0.2, seed: 4);

        Assert.Equal(new ReviewCounts(24, 56, 6, 14), first.Written);
        static string[] TestIds(IEnumerable<Review> r) => [.. r.Where(x => x.Split == ReviewSplit.Test).Select(x => x.Id)];
        Assert.Equal(TestIds(reviewsA), TestIds(reviewsB));
        Assert.NotEqual(TestIds(reviewsA), TestIds(reviewsC));
        Assert.All(reviewsA, r => Assert.StartsWith("train/", r.Id));
    }

    public static TheoryData<string, string, string> BadInputs => new()
    {
        // file name, content, expected message after "<path> "
        { "empty-text.csv", "text,label\nok,a\n\"\",b\n", "line 3, column 'text': the value is empty or missing; every row needs a text." },
        { "no-label.csv", "text,label\nok,a\nfine,\n", "line 3, column 'label': the value is empty or missing; every row needs a label." },
        { "fields.csv", "text,label\nok,a\nx,b,extra\n", "line 3: the row has 3 fields, the header has 2." },
        { "stray.csv", "text,label\nok,a\nsa\"id,b\n", "line 3: field 1 has a quote inside an unquoted field; quote the whole field and double the quote." },
        { "after.csv", "text,label\nok,a\n\"q\"x,b\n", "line 3: field 1 has text after its closing quote; a quote inside a quoted field is written \"\"." },
        { "json.jsonl", "{\"text\":\"ok\",\"label\":\"a\"}\n{\"text\":\"ok\",\n", "line 2: the line is not valid JSON" },
        { "array.jsonl", "{\"text\":\"ok\",\"label\":\"a\"}\n[1,2]\n", "line 2: the line is a JSON array; each line must be one JSON object." },
        { "type.jsonl", "{\"text\":\"ok\",\"label\":\"a\"}\n{\"text\":42,\"label\":\"b\"}\n", "line 2, column 'text': the value is a JSON number (42); expected a string." },
        { "float.jsonl", "{\"text\":\"ok\",\"label\":\"a\"}\n{\"text\":\"x\",\"label\":1.5}\n", "line 2, column 'label': the value is a JSON number (1.5); expected a string or an integer." },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadRow_IsAnErrorNamingFileRowAndColumn(string name, string content, string expected)
    {
        var path = Write(name, content);

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(path));

        Assert.StartsWith($"{path} {expected}", error.Message);
    }

    [Fact]
    public async Task NonUtf8Cell_IsAnErrorNamingFileLineAndColumn()
    {
        var path = WriteBytes("latin1.csv", [.. "text,label\nok,a\n"u8, .. "caf"u8, 0xE9, .. ",b\n"u8]);

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(path));

        Assert.StartsWith($"{path} line 3, column 'text': the value is not valid UTF-8 (first bad byte at offset 3 of the cell)", error.Message);
    }

    [Fact]
    public async Task UnbalancedQuote_IsAnErrorNamingTheLineWhereTheFieldOpens()
    {
        var path = Write("open.csv", "text,label\nok,a\nfine,b\n\"never closed,a\nmore\n");

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(path));

        Assert.Equal($"{path} line 4, field 1: a quoted field opened here is never closed (unbalanced '\"'); the file ends inside it.", error.Message);
    }

    [Fact]
    public async Task MissingColumn_IsAnErrorNamingTheKeyAndTheColumnsThereAre()
    {
        var path = Write("cols.csv", "review,sentiment\nok,a\n");

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(path));

        Assert.Equal($"{path}: the header has no column 'text' (data.text_column); its columns are 'review', 'sentiment'.", error.Message);
    }

    [Fact]
    public async Task TestLabelNotInTrainingLabels_IsAnErrorNamingTheRow()
    {
        var train = Write("train.csv", "text,label\na,neg\nb,pos\n");
        var test = Write("test.csv", "text,label\nc,pos\nd,neutral\n");

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(train, test));

        Assert.StartsWith($"{test} line 3, column 'label': the value 'neutral' is not one of the training labels (neg, pos).", error.Message);
    }

    [Fact]
    public async Task DuplicateId_IsAnErrorNamingBothRows()
    {
        var train = Write("train.jsonl", "{\"id\":\"a\",\"text\":\"x\",\"label\":0}\n{\"id\":\"b\",\"text\":\"y\",\"label\":1}\n{\"id\":\"a\",\"text\":\"z\",\"label\":1}\n");

        var error = await Assert.ThrowsAsync<TableFileException>(() => Ingest(train, columns: Default with { Id = "id" }));

        Assert.StartsWith($"{train} line 3, column 'id': the value 'a' repeats the id of line 1; ids must be unique.", error.Message);
    }

    [Fact]
    public async Task OnBadRowSkip_DropsBadRowsAndReportsTheCountAndFirstRows()
    {
        var train = Write("train.csv", "text,label\nok,a\n,b\nfine,b\nx,\"\"\ngood,a\n");
        var test = Write("test.csv", "text,label\nt,a\nu,b\n");

        var (result, reviews) = await Ingest(train, test, skip: true);

        Assert.Equal(2, result.Skipped);
        Assert.Equal(["train.csv line 3", "train.csv line 5"], result.FirstSkipped);
        Assert.Equal(5, reviews.Count);
        Assert.Equal("good", ById(reviews, "train/5").Text); // ids stay the record numbers of the file
    }

    [Fact]
    public async Task FailedIngest_LeavesNoOutputFile()
    {
        var path = Write("bad.csv", "text,label\nok,a\n,b\n");

        await Assert.ThrowsAsync<TableFileException>(() => Ingest(path));

        Assert.False(Directory.Exists(folder.Combine("out")) && Directory.EnumerateFileSystemEntries(folder.Combine("out")).Any());
    }
}
