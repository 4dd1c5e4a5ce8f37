using ImdbExperiments.Data.NumpyRandom;

namespace ImdbExperiments.Data;

/// <summary>
/// <see cref="SplitMethod.Datasets"/>: Hugging Face <c>datasets</c>' <c>Dataset.train_test_split(test_size=f, seed=s)</c>
/// (src/datasets/arrow_dataset.py, shuffle=True, no stratify_by_column) over the train rows: n_test = ceil(f * n),
/// n_train = n - n_test, <c>permutation = np.random.default_rng(s).permutation(n)</c>, its test part (our validation)
/// <c>permutation[:n_test]</c>, its train part <c>permutation[n_test:]</c>, both kept in permutation order.
/// </summary>
internal static class DatasetsTrainTestSplit
{
    /// <param name="train">The official train split in the dataset's order (canonical: negatives, then positives, by numeric id).</param>
    /// <param name="test">The test split, already subsampled as for the stratified method.</param>
    public static SplitResult Split(Review[] train, IReadOnlyList<Review> test, SplitOptions options)
    {
        double f = options.ValidationFraction;
        int n = train.Length;
        if (f <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), f,
                $"Validation fraction is {f}; the datasets split method needs a fraction above 0 and below 1, as train_test_split's test_size does.");
        }

        int validationCount = checked((int)Math.Ceiling(f * n));
        if (validationCount >= n)
        {
            throw new ArgumentException(
                $"Validation fraction {f} of {n} train reviews leaves none for training (ceil({f} * {n}) = {validationCount}); lower it.", nameof(options));
        }

        var permutation = NumpyGenerator.DefaultRng(options.Seed).Permutation(n);
        var validation = new Review[validationCount];
        var rest = new Review[n - validationCount];
        for (int i = 0; i < n; i++)
        {
            var review = train[permutation[i]];
            if (i < validationCount)
            {
                validation[i] = review;
            }
            else
            {
                rest[i - validationCount] = review;
            }
        }

        return new SplitResult(
            Head(rest, options.TrainLimit, "TrainLimit", "train"),
            Head(validation, options.ValidationLimit, "ValidationLimit", "validation"),
            test);
    }

    /// <summary>The first <paramref name="limit"/> in permutation order, as <c>split.select(range(limit))</c> keeps them.</summary>
    private static Review[] Head(Review[] reviews, int? limit, string limitName, string splitName)
    {
        if (limit > reviews.Length)
        {
            throw new ArgumentOutOfRangeException(limitName, limit,
                $"{limitName} is {limit} but only {reviews.Length} reviews are available for {splitName}; lower the limit or unset it.");
        }

        return limit is { } k ? reviews[..k] : reviews;
    }
}
