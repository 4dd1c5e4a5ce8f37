using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.Unicode;

namespace ImdbExperiments.Data;

/// <summary>
/// Turns aclImdb_v1.tar.gz into one <see cref="ReviewFile"/>, streaming the archive (nothing is extracted).
/// Takes exactly the entries <c>aclImdb/{train,test}/{pos,neg}/&lt;id&gt;_&lt;rating&gt;.txt</c> (a leading "./" is fine)
/// and ignores the rest (README, imdb.vocab, urls files, train/unsup).
/// </summary>
public static class ImdbIngester
{
    public const int ReviewsPerSplitAndLabel = 12_500;

    /// <summary>data.target: rating's classes by id: the star ratings a review can have (5 and 6 are never in the archive).</summary>
    public static readonly IReadOnlyList<string> RatingLabels = ["1", "2", "3", "4", "7", "8", "9", "10"];

    /// <summary>The class id of a star rating under data.target: rating (1-4 give 0-3, 7-10 give 4-7).</summary>
    public static int RatingClass(int rating) => rating switch
    {
        >= 1 and <= 4 => rating - 1,
        >= 7 and <= 10 => rating - 3,
        _ => throw new ArgumentOutOfRangeException(nameof(rating), rating, "IMDb ratings are 1-4 and 7-10."),
    };

    private const string Root = "aclImdb";
    private const long MaxReviewBytes = 16 << 20;

    /// <summary>
    /// Reads <paramref name="archivePath"/>, checks it, and writes the reviews sorted by split (train, test), label
    /// (negative, positive) and numeric id to <paramref name="outputFile"/> (via a temporary file and a rename).
    /// </summary>
    /// <exception cref="ImdbArchiveException">The archive is corrupt or truncated, an entry is refused, or counts are wrong.</exception>
    public static IngestResult Ingest(string archivePath, string outputFile, IngestOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        ArgumentNullException.ThrowIfNull(options);

        var (reviews, ignored) = ReadArchive(archivePath, cancellationToken);
        reviews.Sort(static (a, b) =>
        {
            int c = a.Split.CompareTo(b.Split);
            if (c == 0) c = a.Label.CompareTo(b.Label);
            return c != 0 ? c : a.Number.CompareTo(b.Number);
        });

        var found = ReviewCounts.Of(reviews.Select(r => (r.Split, r.Label)));
        CheckCounts(archivePath, found, options.Partial);

        var (duplicates, keep) = FindDuplicates(reviews, options.Dedupe, cancellationToken);
        var written = ReviewCounts.Of(reviews.Where((_, i) => keep[i]).Select(r => (r.Split, r.Label)));
        var (sha256, size) = ReviewFileWriter.Write(Lines(reviews, keep, options.RatingTarget), outputFile, cancellationToken);
        return new IngestResult(
            outputFile, found, written, duplicates, found.Total - written.Total, ignored, sha256, size);
    }

    private static (List<ArchiveReview> Reviews, int Ignored) ReadArchive(string archivePath, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException(
                $"IMDb archive '{archivePath}' does not exist. Run the fetch stage, or point data.archive at a local aclImdb_v1.tar.gz.", archivePath, ex);
        }

        var reviews = new List<ArchiveReview>(4 * ReviewsPerSplitAndLabel);
        var seen = new Dictionary<(ReviewSplit, int, int), string>(4 * ReviewsPerSplitAndLabel);
        int ignored = 0;
        string? lastEntry = null;
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        try
        {
            while (tar.GetNextEntry() is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                lastEntry = entry.Name;
                if (ToReview(archivePath, entry) is not { } review)
                {
                    ignored++;
                    continue;
                }

                if (!seen.TryAdd((review.Split, review.Label, review.Number), entry.Name))
                {
                    throw new ImdbArchiveException(archivePath, entry.Name,
                        $"{archivePath}: entries '{seen[(review.Split, review.Label, review.Number)]}' and '{entry.Name}' both hold review " +
                        $"{ReviewNames.Id(review.Split, review.Label, review.Number)}; each id may appear once.");
                }

                reviews.Add(review);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or FormatException)
        {
            string where = lastEntry is null ? "before its first entry" : $"after entry '{lastEntry}'";
            throw new ImdbArchiveException(archivePath, lastEntry,
                $"{archivePath} is not a readable .tar.gz: it is truncated or corrupt ({where}: {ex.Message}). " +
                "Fetch it again and check its SHA-256.", ex);
        }

        return (reviews, ignored);
    }

    /// <summary>The review an entry holds, or null when the entry is not a labelled review.</summary>
    private static ArchiveReview? ToReview(string archivePath, TarEntry entry)
    {
        string name = entry.Name;
        var parts = NormalizedSegments(archivePath, name);
        if (parts.Count != 4 || parts[0] != Root)
        {
            return null;
        }

        ReviewSplit split;
        int label;
        switch (parts[1])
        {
            case "train": split = ReviewSplit.Train; break;
            case "test": split = ReviewSplit.Test; break;
            default: return null;
        }

        switch (parts[2])
        {
            case "neg": label = Review.Negative; break;
            case "pos": label = Review.Positive; break;
            default: return null;
        }

        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
        {
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' is a {entry.EntryType} entry at a review path; reviews must be regular files.");
        }

        if (!TryParseFileName(parts[3], out int number, out int rating))
        {
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' is in a review folder but its name is not <id>_<rating>.txt (e.g. 123_9.txt).");
        }

        if (!ReviewNames.IsValidRating(label, rating))
        {
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' has rating {rating}; {parts[2]} reviews must be rated " +
                (label == Review.Negative ? "1-4." : "7-10."));
        }

        if (entry.Length > MaxReviewBytes)
        {
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' is {entry.Length} bytes; a review may be at most {MaxReviewBytes} bytes.");
        }

        var text = new byte[entry.Length];
        entry.DataStream?.ReadExactly(text);
        if (!Utf8.IsValid(text))
        {
            Utf8.ToUtf16(text, new char[text.Length], out int validBytes, out _, replaceInvalidSequences: false);
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' is not valid UTF-8 (first bad byte at offset {validBytes}); reviews must be UTF-8 text.");
        }

        return new ArchiveReview(split, label, number, rating, text);
    }

    /// <summary>The entry's path as segments, with "." dropped and ".." applied; refuses absolute and escaping paths.</summary>
    private static List<string> NormalizedSegments(string archivePath, string name)
    {
        bool absolute = name.StartsWith('/') || name.StartsWith('\\')
            || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]));
        if (absolute)
        {
            throw new ImdbArchiveException(archivePath, name,
                $"{archivePath}: entry '{name}' has an absolute path; archive entries must be relative (aclImdb/...).");
        }

        var parts = new List<string>(4);
        foreach (string segment in name.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (parts.Count == 0)
                {
                    throw new ImdbArchiveException(archivePath, name,
                        $"{archivePath}: entry '{name}' uses '..' to point outside the archive root; refusing it.");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(segment);
        }

        return parts;
    }

    /// <summary>Parses "&lt;digits&gt;_&lt;digits&gt;.txt".</summary>
    private static bool TryParseFileName(string fileName, out int number, out int rating)
    {
        number = rating = 0;
        if (!fileName.EndsWith(".txt", StringComparison.Ordinal))
        {
            return false;
        }

        var stem = fileName.AsSpan(0, fileName.Length - 4);
        int underscore = stem.IndexOf('_');
        return underscore > 0
            && int.TryParse(stem[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out number)
            && int.TryParse(stem[(underscore + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out rating);
    }

    private static void CheckCounts(string archivePath, ReviewCounts found, bool partial)
    {
        if (found.Total == 0)
        {
            throw new ImdbArchiveException(archivePath, null,
                $"{archivePath} holds no labelled reviews (no aclImdb/{{train,test}}/{{pos,neg}}/<id>_<rating>.txt entries); is it the IMDb archive?");
        }

        bool complete = found is { TrainNegative: ReviewsPerSplitAndLabel, TrainPositive: ReviewsPerSplitAndLabel,
            TestNegative: ReviewsPerSplitAndLabel, TestPositive: ReviewsPerSplitAndLabel };
        if (!partial && !complete)
        {
            throw new ImdbArchiveException(archivePath, null,
                $"{archivePath} holds {found}; the IMDb archive has {ReviewsPerSplitAndLabel} reviews in each. " +
                "Use the complete aclImdb_v1.tar.gz, or ingest with partial data allowed.");
        }
    }

    private static (DuplicateStats Stats, bool[] Keep) FindDuplicates(
        List<ArchiveReview> reviews, DedupeMode mode, CancellationToken cancellationToken)
    {
        int n = reviews.Count;
        var root = new int[n]; // index of the first review (canonical order) with the same text
        var firstWithText = new Dictionary<byte[], int>(n, ByteContentComparer.Instance);
        var size = new int[n];
        var inSplit = new byte[n]; // bit per split
        var withLabel = new byte[n]; // bit per label
        for (int i = 0; i < n; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var r = reviews[i];
            ref int first = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(firstWithText, r.Text, out bool exists);
            if (!exists)
            {
                first = i;
            }

            root[i] = first;
            size[first]++;
            inSplit[first] |= (byte)(1 << (int)r.Split);
            withLabel[first] |= (byte)(1 << r.Label);
        }

        int groups = 0, crossSplit = 0, conflicting = 0;
        for (int i = 0; i < n; i++)
        {
            if (size[i] >= 2)
            {
                groups++;
                if (inSplit[i] == 0b11) crossSplit++;
                if (withLabel[i] == 0b11) conflicting++;
            }
        }

        var keep = new bool[n];
        var keptIn = new byte[n]; // bit per split: a copy of this text is already kept there
        for (int i = 0; i < n; i++)
        {
            var r = reviews[i];
            int g = root[i];
            byte splitBit = (byte)(1 << (int)r.Split);
            keep[i] = mode switch
            {
                DedupeMode.None => true,
                DedupeMode.WithinSplit => (keptIn[g] & splitBit) == 0,
                DedupeMode.AcrossSplits => (keptIn[g] & splitBit) == 0
                    && !(r.Split == ReviewSplit.Train && (inSplit[g] & (1 << (int)ReviewSplit.Test)) != 0),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Allowed: None, WithinSplit, AcrossSplits."),
            };
            if (keep[i])
            {
                keptIn[g] |= splitBit;
            }
        }

        return (new DuplicateStats(n - firstWithText.Count, groups, crossSplit, conflicting), keep);
    }

    /// <summary>The kept reviews, in order; the id keeps the sentiment folder either way, only the class written changes with the target.</summary>
    private static IEnumerable<ReviewFileWriter.Line> Lines(List<ArchiveReview> reviews, bool[] keep, bool ratingTarget) =>
        reviews.Where((_, i) => keep[i]).Select(r => new ReviewFileWriter.Line(
            ReviewNames.Id(r.Split, r.Label, r.Number), r.Split, ratingTarget ? RatingClass(r.Rating) : r.Label, r.Rating, r.Text));

    private sealed record ArchiveReview(ReviewSplit Split, int Label, int Number, int Rating, byte[] Text);

    private sealed class ByteContentComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteContentComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
