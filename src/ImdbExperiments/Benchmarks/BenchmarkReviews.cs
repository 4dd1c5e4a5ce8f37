using ImdbExperiments.Data;

namespace ImdbExperiments.Benchmarks;

/// <summary>Real IMDb test reviews for the inference and serving benchmarks: the archive's test split, an even stride through it.</summary>
public static class BenchmarkReviews
{
    /// <summary>
    /// <paramref name="count"/> test reviews of <paramref name="archive"/> (null = all 25,000), taken at an even stride through the
    /// archive's order so that both labels and every rating are represented; the same archive gives the same reviews.
    /// </summary>
    public static IReadOnlyList<Review> Test(string archive, int? count, CancellationToken cancellationToken)
    {
        var scratch = Directory.CreateTempSubdirectory("imdbx-reviews-");
        try
        {
            var path = Path.Combine(scratch.FullName, "reviews.jsonl");
            ImdbIngester.Ingest(archive, path, new IngestOptions(Partial: true), cancellationToken);
            var test = ReviewFile.Read(path).Where(r => r.Split == ReviewSplit.Test).ToArray();
            if (test.Length == 0)
                throw new InvalidDataException($"{archive}: the archive has no test reviews (aclImdb/test/pos, aclImdb/test/neg).");
            var take = Math.Min(count ?? test.Length, test.Length);
            // i * n / take in long arithmetic: 25,000 x 25,000 overflows no int here, but a larger archive could.
            return Enumerable.Range(0, take).Select(i => test[(int)((long)i * test.Length / take)]).ToArray();
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
