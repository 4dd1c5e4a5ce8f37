using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace ImdbExperiments.Data;

/// <summary>
/// Writes small stand-ins for aclImdb_v1.tar.gz, for tests and smoke runs without the real data. The archive has the
/// real layout (aclImdb/README, imdb.vocab, {train,test}/{pos,neg}/&lt;id&gt;_&lt;rating&gt;.txt, urls files and a few
/// train/unsup reviews that ingest must ignore). Reviews carry clear sentiment cues with some noise (negated and
/// contrary phrases), "&lt;br /&gt;&lt;br /&gt;" tags, accented words, quotes, one very long and two three-word reviews.
/// With 4 or more reviews per label it plants duplicates: train/neg/2 = train/neg/3 = test/neg/3,
/// train/pos/2 = test/pos/2 and test/pos/1 = test/pos/3 (4 repeated files, 3 groups, 2 across splits).
/// </summary>
/// <remarks>
/// Same arguments give the same tar bytes on every platform (texts come from <see cref="DeterministicRandom"/>; entries
/// are sorted by name with fixed times, owners and modes). The gzip layer is .NET's, so the .tar.gz bytes are fixed for
/// a given .NET runtime; a different zlib may compress differently.
/// </remarks>
public static class SyntheticImdb
{
    /// <summary>Bumped whenever the generator's output changes, so cached synthetic archives are not reused.</summary>
    public const int FormatVersion = 1;

    private static readonly DateTimeOffset FixedTime = new(2011, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode DirectoryMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static readonly string[] PositiveWords =
    [
        "wonderful", "brilliant", "superb", "moving", "delightful", "excellent", "charming", "gripping",
        "hilarious", "touching", "memorable", "outstanding", "beautiful", "great", "fantastic", "a masterpiece",
    ];

    private static readonly string[] NegativeWords =
    [
        "awful", "boring", "terrible", "dull", "a waste of time", "poorly written", "painful", "horrible",
        "lifeless", "predictable", "clumsy", "forgettable", "bad", "stupid", "disappointing", "a mess",
    ];

    private static readonly string[] CueTemplates =
    [
        "The acting was {0}.", "Honestly, the plot was {0}.", "I found the soundtrack {0}.",
        "The direction is {0} from start to finish.", "The whole film felt {0}.", "Its ending was {0}.",
        "The script is simply {0}.", "The lead performance is {0}.", "Overall I thought it was {0}.",
    ];

    private static readonly string[] NegatedTemplates =
    [
        "It is not {0} at all.", "Nobody could call it {0}.", "It was never {0}, whatever the poster says.",
    ];

    private static readonly string[] ContraryTemplates =
    [
        "The middle part was {0}, though.", "Some scenes were {0}.", "My friend found it {0}, but I disagree.",
    ];

    private static readonly string[] Filler =
    [
        "I saw it on a rainy Sunday.", "The film runs about two hours.", "My cousin recommended it.",
        "It was shot in three countries.", "The cast includes several newcomers.", "I watched it twice.",
        "The story follows a family in a small town.", "It came out in the late nineties.",
        "We watched it in a little café after dinner.", "Its naïve hero reminded me of Amélie.",
        "The tagline \"Every secret has a price\" appears on the poster.", "The director's earlier work is better known.",
        "A crew from Montréal and Zürich made it.", "There is a long scene in a train station.",
    ];

    /// <summary>Writes the archive to <paramref name="path"/> (via a temporary file and a rename).</summary>
    public static void WriteArchive(string path, int reviewsPerLabel, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(reviewsPerLabel, 1);

        var files = new SortedDictionary<string, byte[]?>(StringComparer.Ordinal); // null = directory
        foreach (string dir in new[] { "aclImdb/", "aclImdb/train/", "aclImdb/test/", "aclImdb/train/unsup/" })
        {
            files[dir] = null;
        }

        var random = new DeterministicRandom(seed);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var texts = new Dictionary<(string Split, string Label, int Id), string>();
        var vocabulary = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string split in new[] { "train", "test" })
        {
            foreach (string label in new[] { "neg", "pos" })
            {
                files[$"aclImdb/{split}/{label}/"] = null;
                var urls = new StringBuilder();
                for (int id = 0; id < reviewsPerLabel; id++)
                {
                    bool positive = label == "pos";
                    string text = Special(split, label, id, reviewsPerLabel, texts) ?? UniqueReview(random, positive, used);
                    used.Add(text);
                    texts[(split, label, id)] = text;
                    int rating = positive ? 7 + random.NextInt(4) : 1 + random.NextInt(4);
                    files[$"aclImdb/{split}/{label}/{id}_{rating}.txt"] = Encoding.UTF8.GetBytes(text);
                    urls.Append($"http://www.imdb.com/title/tt{1000000 + random.NextInt(8000000)}/usercomments\n");
                    foreach (string word in text.Split([' ', '.', ',', '"', '<', '>', '/', '!', '?'], StringSplitOptions.RemoveEmptyEntries))
                    {
                        vocabulary.Add(word.ToLowerInvariant());
                    }
                }

                files[$"aclImdb/{split}/urls_{label}.txt"] = Encoding.UTF8.GetBytes(urls.ToString());
            }
        }

        for (int id = 0; id < 3; id++)
        {
            files[$"aclImdb/train/unsup/{id}_0.txt"] = Encoding.UTF8.GetBytes(UniqueReview(random, id % 2 == 0, used));
        }

        files["aclImdb/README"] = Encoding.UTF8.GetBytes(
            $"Synthetic stand-in for the Large Movie Review Dataset v1.0 (aclImdb layout).\n" +
            $"{reviewsPerLabel} reviews per split and label, seed {seed}. Not real reviews.\n");
        files["aclImdb/imdb.vocab"] = Encoding.UTF8.GetBytes(string.Concat(vocabulary.Select(w => w + "\n")));
        WriteTarGz(path, files);
    }

    /// <summary>The planted texts: very long, very short, JSON-hostile, and the duplicates.</summary>
    private static string? Special(string split, string label, int id, int perLabel, Dictionary<(string, string, int), string> texts)
    {
        switch (split, label, id)
        {
            case ("train", "pos", 0):
                var longText = new StringBuilder();
                for (int i = 0; longText.Length < 14_000; i++)
                {
                    longText.Append(string.Format(CueTemplates[i % CueTemplates.Length], PositiveWords[i % PositiveWords.Length])).Append(' ');
                    longText.Append(Filler[i % Filler.Length]).Append(i % 7 == 6 ? "<br /><br />" : " ");
                }

                return longText.ToString().TrimEnd();
            case ("train", "neg", 0):
                return "Awful, truly awful.";
            case ("test", "pos", 0):
                return "Loved every minute.";
            case ("test", "neg", 0):
                return "A \"comedy\" with no laughs.<br /><br />Tab\there, backslash \\ there, and one emoji 🎬: still bad, boring and dull.";
        }

        if (perLabel < 4)
        {
            return null;
        }

        return (split, label, id) switch
        {
            ("train", "neg", 3) => texts[("train", "neg", 2)],
            ("test", "neg", 3) => texts[("train", "neg", 2)],
            ("test", "pos", 2) => texts[("train", "pos", 2)],
            ("test", "pos", 3) => texts[("test", "pos", 1)],
            _ => null,
        };
    }

    private static string UniqueReview(DeterministicRandom random, bool positive, HashSet<string> used)
    {
        while (true)
        {
            string text = Review(random, positive);
            if (!used.Contains(text))
            {
                return text;
            }
        }
    }

    private static string Review(DeterministicRandom random, bool positive)
    {
        string[] own = positive ? PositiveWords : NegativeWords;
        string[] other = positive ? NegativeWords : PositiveWords;
        var sentences = new List<string>();
        int cues = 1 + random.NextInt(3);
        for (int i = 0; i < cues; i++)
        {
            sentences.Add(string.Format(Pick(random, CueTemplates), Pick(random, own)));
        }

        int fillers = random.NextInt(4);
        for (int i = 0; i < fillers; i++)
        {
            sentences.Add(Pick(random, Filler));
        }

        // Noise: words of the other sentiment, negated or as a minority opinion, so no single word decides the label.
        if (random.NextInt(4) == 0)
        {
            sentences.Add(string.Format(Pick(random, NegatedTemplates), Pick(random, other)));
        }

        if (random.NextInt(6) == 0)
        {
            sentences.Add(string.Format(Pick(random, ContraryTemplates), Pick(random, other)));
        }

        random.Shuffle(sentences);
        var text = new StringBuilder();
        for (int i = 0; i < sentences.Count; i++)
        {
            if (i > 0)
            {
                text.Append(random.NextInt(5) == 0 ? "<br /><br />" : " ");
            }

            text.Append(sentences[i]);
        }

        return text.ToString();
    }

    private static string Pick(DeterministicRandom random, string[] items) => items[random.NextInt(items.Length)];

    private static void WriteTarGz(string path, SortedDictionary<string, byte[]?> files)
    {
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string temp = $"{fullPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, System.IO.FileMode.CreateNew, FileAccess.Write))
            using (var gzip = new GZipStream(stream, CompressionLevel.Optimal))
            using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: false))
            {
                foreach (var (name, content) in files)
                {
                    var entry = new UstarTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, name)
                    {
                        ModificationTime = FixedTime,
                        Mode = content is null ? DirectoryMode : FileMode,
                        Uid = 0,
                        Gid = 0,
                        UserName = "root",
                        GroupName = "root",
                    };
                    if (content is not null)
                    {
                        entry.DataStream = new MemoryStream(content, writable: false);
                    }

                    tar.WriteEntry(entry);
                }
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
