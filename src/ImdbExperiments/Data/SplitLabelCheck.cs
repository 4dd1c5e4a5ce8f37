namespace ImdbExperiments.Data;

/// <summary>
/// Finds splits that lack a whole label: with data.partial an archive may miss one, and a model trained, selected or scored
/// on one label gives metrics (accuracy, F1) that look fine and mean nothing.
/// </summary>
public static class SplitLabelCheck
{
    /// <summary>One line per split that has reviews of only one label, naming the split and the missing label.</summary>
    public static IReadOnlyList<string> MissingLabels(SplitResult split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var warnings = new List<string>();
        var all = split.Train.Concat(split.Validation).Concat(split.Test).ToArray();
        var classes = all.Length == 0 ? 2 : all.Max(r => r.Label) + 1;
        foreach (var (name, reviews) in new[] { ("train", split.Train), ("validation", split.Validation), ("test", split.Test) })
        {
            if (classes > 2)
            {
                // More than two classes: name the class ids a split lacks (per-class figures of those are 0, ROC-AUC undefined).
                var missingIds = Enumerable.Range(0, classes).Except(reviews.Select(r => r.Label)).ToArray();
                if (reviews.Count > 0 && missingIds.Length > 0)
                    warnings.Add($"the {name} split has no reviews of class id{(missingIds.Length == 1 ? "" : "s")} {string.Join(", ", missingIds.Take(10))}{(missingIds.Length > 10 ? ", ..." : "")} " +
                        $"of {classes}; its figures for {(missingIds.Length == 1 ? "that class" : "those classes")} are 0 and its ROC-AUC is undefined.");
                continue;
            }

            // An empty validation split is what validation_fraction: 0 asks for; empty train and test splits are refused by DatasetSplitter.
            if (reviews.Count == 0)
            {
                continue;
            }

            var positive = reviews.Count(r => r.Label == Review.Positive);
            var negative = reviews.Count - positive;
            if (positive == 0 || negative == 0)
            {
                var (missing, present, count) = positive == 0 ? ("positive", "negative", negative) : ("negative", "positive", positive);
                warnings.Add($"the {name} split has no {missing} reviews (only {count} {present}); " +
                    $"its metrics will not measure sentiment. Is the archive missing {(name == "test" ? "test" : "train")}/{missing[..3]}/?");
            }
        }

        return warnings;
    }
}
