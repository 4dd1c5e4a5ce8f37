using ImdbExperiments.Data;

namespace ImdbExperiments.Stages;

/// <summary>Rows per class of one split part, keyed by label name (by class id where names are missing or repeat), every class listed, in class order.</summary>
public static class SplitLabelCounts
{
    public static IReadOnlyDictionary<string, int> ByName(IReadOnlyList<Review> reviews, IReadOnlyList<string> names)
    {
        var classes = Math.Max(names.Count, reviews.Count == 0 ? 0 : reviews.Max(r => r.Label) + 1);
        var counts = new int[classes];
        foreach (var review in reviews) counts[review.Label]++;
        // Names that repeat (or a label beyond them) cannot be keys: fall back to class ids, which never collide.
        var byName = names.Count == classes && names.Distinct(StringComparer.Ordinal).Count() == classes;
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < classes; id++)
            result[byName ? names[id] : id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = counts[id];
        return result;
    }
}
