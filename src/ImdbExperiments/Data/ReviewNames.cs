namespace ImdbExperiments.Data;

/// <summary>The spellings of splits, labels and ids shared by the archive, the review file and the split files.</summary>
internal static class ReviewNames
{
    public static string SplitName(ReviewSplit split) => split switch
    {
        ReviewSplit.Train => "train",
        ReviewSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Allowed: Train, Test."),
    };

    public static string LabelFolder(int label) => label switch
    {
        Review.Negative => "neg",
        Review.Positive => "pos",
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Allowed: 0 (negative), 1 (positive)."),
    };

    public static string Id(ReviewSplit split, int label, int number) => $"{SplitName(split)}/{LabelFolder(label)}/{number}";

    /// <summary>Ratings the dataset allows for a label: 1-4 negative, 7-10 positive.</summary>
    public static bool IsValidRating(int label, int rating) =>
        label == Review.Negative ? rating is >= 1 and <= 4 : rating is >= 7 and <= 10;

    /// <summary>The number at the end of an id ("train/pos/123" -> 123), or -1 when there is none.</summary>
    public static int Number(string id)
    {
        int slash = id.LastIndexOf('/');
        return int.TryParse(id.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : -1;
    }

    /// <summary>Sorts reviews into the canonical order: split (train, test), label (negative, positive), numeric id, then id.</summary>
    public static Review[] Canonical(IEnumerable<Review> reviews)
    {
        var items = reviews.ToArray();
        var keys = new (int Split, int Label, int Number, string Id)[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            keys[i] = ((int)items[i].Split, items[i].Label, Number(items[i].Id), items[i].Id);
        }

        Array.Sort(keys, items, CanonicalKeyComparer.Instance);
        return items;
    }

    private sealed class CanonicalKeyComparer : IComparer<(int Split, int Label, int Number, string Id)>
    {
        public static readonly CanonicalKeyComparer Instance = new();

        public int Compare((int Split, int Label, int Number, string Id) x, (int Split, int Label, int Number, string Id) y)
        {
            int c = x.Split.CompareTo(y.Split);
            if (c == 0) c = x.Label.CompareTo(y.Label);
            if (c == 0) c = x.Number.CompareTo(y.Number);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
