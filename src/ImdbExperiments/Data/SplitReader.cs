namespace ImdbExperiments.Data;

/// <summary>Reads the ids files <see cref="SplitWriter"/> wrote back into reviews (for the stages after split).</summary>
public static class SplitReader
{
    public static SplitResult Read(string folder, IReadOnlyList<Review> reviews)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(reviews);
        var byId = new Dictionary<string, Review>(reviews.Count, StringComparer.Ordinal);
        foreach (var review in reviews)
        {
            if (!byId.TryAdd(review.Id, review))
            {
                throw new ArgumentException($"Review id '{review.Id}' appears more than once in the review file.", nameof(reviews));
            }
        }

        var usedIn = new Dictionary<string, string>(StringComparer.Ordinal);
        return new SplitResult(
            ReadIds(Path.Combine(folder, SplitFiles.TrainFileName), byId, usedIn),
            ReadIds(Path.Combine(folder, SplitFiles.ValidationFileName), byId, usedIn),
            ReadIds(Path.Combine(folder, SplitFiles.TestFileName), byId, usedIn));
    }

    private static List<Review> ReadIds(string path, Dictionary<string, Review> byId, Dictionary<string, string> usedIn)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Split file '{path}' does not exist; run the split stage to create it.", path);
        }

        string content = File.ReadAllText(path);
        if (content.Length > 0 && content[^1] != '\n')
        {
            throw new InvalidDataException($"{path}: the last line does not end in \"\\n\"; the file is truncated.");
        }

        var result = new List<Review>();
        int lineNumber = 0;
        foreach (var range in content.AsSpan().Split('\n'))
        {
            if (range.Start.Value == content.Length)
            {
                break; // after the final "\n"
            }

            lineNumber++;
            string id = content[range];

            if (!byId.TryGetValue(id, out var review))
            {
                throw new InvalidDataException($"{path} line {lineNumber}: id '{id}' is not in the review file; the split belongs to other data.");
            }

            if (!usedIn.TryAdd(id, path))
            {
                throw new InvalidDataException($"{path} line {lineNumber}: id '{id}' is already in {usedIn[id]}; splits must be disjoint.");
            }

            result.Add(review);
        }

        return result;
    }
}
