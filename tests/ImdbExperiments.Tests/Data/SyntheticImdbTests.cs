using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

public sealed class SyntheticImdbTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WriteArchive_IsByteIdenticalForSameArguments()
    {
        SyntheticImdb.WriteArchive(_temp.Combine("a.tar.gz"), 20, seed: 7);
        SyntheticImdb.WriteArchive(_temp.Combine("b.tar.gz"), 20, seed: 7);
        SyntheticImdb.WriteArchive(_temp.Combine("c.tar.gz"), 20, seed: 8);

        Assert.Equal(File.ReadAllBytes(_temp.Combine("a.tar.gz")), File.ReadAllBytes(_temp.Combine("b.tar.gz")));
        Assert.NotEqual(File.ReadAllBytes(_temp.Combine("a.tar.gz")), File.ReadAllBytes(_temp.Combine("c.tar.gz")));
    }

    [Fact]
    public void WriteArchive_HasAclImdbLayoutWithFixedMetadata()
    {
        var entries = ReadEntries(SyntheticImdb.WriteArchive, 5);

        Assert.Equal(entries.Keys.Order(StringComparer.Ordinal), entries.Keys);
        Assert.Contains("aclImdb/README", entries.Keys);
        Assert.Contains("aclImdb/imdb.vocab", entries.Keys);
        Assert.Contains("aclImdb/train/urls_pos.txt", entries.Keys);
        Assert.Contains("aclImdb/train/unsup/0_0.txt", entries.Keys);
        foreach (var folder in new[] { "train/neg", "train/pos", "test/neg", "test/pos" })
        {
            var ratings = entries.Keys
                .Select(name => Regex.Match(name, $"^aclImdb/{folder}/(\\d+)_(\\d+)\\.txt$"))
                .Where(m => m.Success)
                .Select(m => int.Parse(m.Groups[2].Value))
                .ToList();
            Assert.Equal(5, ratings.Count);
            Assert.All(ratings, r => Assert.InRange(r, folder.EndsWith("pos") ? 7 : 1, folder.EndsWith("pos") ? 10 : 4));
        }
    }

    [Fact]
    public void WriteArchive_PlantsHardCases()
    {
        var texts = ReadEntries(SyntheticImdb.WriteArchive, 10)
            .Where(e => Regex.IsMatch(e.Key, @"/(pos|neg)/\d+_\d+\.txt$"))
            .Select(e => e.Value)
            .ToList();

        Assert.Contains(texts, t => t.Split(' ').Length >= 2000);
        Assert.Contains(texts, t => t.Split(' ').Length == 3);
        Assert.Contains(texts, t => t.Contains("<br /><br />"));
        Assert.Contains(texts, t => t.Contains("café") || t.Contains("Amélie") || t.Contains("naïve"));
    }

    [Fact]
    public void WriteArchive_SentimentIsLearnableButNotTrivial()
    {
        // A word-counting classifier must do well (the cues are real) but not perfectly (the noise is real).
        string[] positive = "wonderful brilliant superb moving delightful excellent charming gripping hilarious touching memorable outstanding beautiful great fantastic masterpiece".Split(' ');
        string[] negative = "awful boring terrible dull waste poorly painful horrible lifeless predictable clumsy forgettable bad stupid disappointing mess".Split(' ');
        var reviews = ReadEntries(SyntheticImdb.WriteArchive, 300)
            .Select(e => (Match: Regex.Match(e.Key, @"/(pos|neg)/\d+_\d+\.txt$"), Text: e.Value.ToLowerInvariant()))
            .Where(e => e.Match.Success)
            .ToList();

        int correct = reviews.Count(r =>
        {
            var words = Regex.Split(r.Text, @"[^a-z]+");
            int score = words.Count(positive.Contains) - words.Count(negative.Contains);
            return (score > 0) == (r.Match.Groups[1].Value == "pos");
        });
        double accuracy = (double)correct / reviews.Count;

        Assert.InRange(accuracy, 0.85, 0.98); // about 0.92 for these arguments
    }

    private Dictionary<string, string> ReadEntries(Action<string, int, int> write, int perLabel)
    {
        string path = _temp.Combine($"synthetic-{perLabel}.tar.gz");
        write(path, perLabel, 1);
        var entries = new Dictionary<string, string>();
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            Assert.Equal(new DateTimeOffset(2011, 6, 1, 0, 0, 0, TimeSpan.Zero), entry.ModificationTime);
            Assert.Equal(0, entry.Uid);
            using var reader = new StreamReader(entry.DataStream ?? Stream.Null, Encoding.UTF8);
            entries.Add(entry.Name, reader.ReadToEnd());
        }

        return entries;
    }
}
