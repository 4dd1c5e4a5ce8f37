namespace ImdbExperiments.Data;

/// <summary>
/// Deterministic train / validation / test splits of the IMDb reviews. Validation is carved out of the official train
/// split; test is the official test split. The result depends only on the set of reviews and the options, never on the
/// input order, the machine or the runtime.
/// </summary>
/// <remarks>
/// Algorithm. Each pool is sorted canonically (label, numeric id), then shuffled with Fisher-Yates by its own
/// <see cref="DeterministicRandom"/> stream of the seed: stream 0 = train negatives (all of train when not stratified),
/// 1 = train positives, 2 = test negatives (all of test when not stratified), 3 = test positives; with more than two
/// classes, class c &gt;= 2 has stream 4 + 2(c - 2) in train and the next one in test, so two-class splits stay as they were.
/// Validation takes the first round(fraction * n) of each shuffled train pool (half away from zero), train the rest.
/// A limit keeps the first k of each shuffled pool, with k per label allocated in proportion to the pool's label counts
/// (largest remainder; ties go to the lower class id, the negative label), so a balanced pool stays balanced within one review.
/// Limits never change which reviews the other splits get. Each split is returned in canonical order.
/// <see cref="SplitMethod.Datasets"/> picks train and validation as <see cref="DatasetsTrainTestSplit"/> describes; test
/// is the same as above.
/// </remarks>
public static class DatasetSplitter
{

    public static SplitResult Split(IReadOnlyList<Review> reviews, SplitOptions options)
    {
        ArgumentNullException.ThrowIfNull(reviews);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);

        var canonical = ReviewNames.Canonical(reviews);
        CheckUniqueIds(canonical);
        var classes = canonical.Length == 0 ? 2 : Math.Max(2, canonical.Max(r => r.Label) + 1);
        var trainPools = Pools(canonical, ReviewSplit.Train, options, classes);
        var testPools = Pools(canonical, ReviewSplit.Test, options, classes);
        int trainTotal = trainPools.Sum(p => p.Length);
        int testTotal = testPools.Sum(p => p.Length);
        if (trainTotal == 0 || testTotal == 0)
        {
            throw new ArgumentException(
                $"Cannot split {trainTotal} train and {testTotal} test reviews; both official splits need reviews.", nameof(reviews));
        }

        if (options.Method == SplitMethod.Datasets)
        {
            var train = canonical.Where(r => r.Split == ReviewSplit.Train).ToArray();
            // Table and Hub rows ("train/<row>") are in the dataset's own order by row number, whatever their label.
            if (train.All(r => r.Id.IndexOf('/') == r.Id.LastIndexOf('/') && ReviewNames.Number(r.Id) >= 0))
                train = [.. train.OrderBy(r => ReviewNames.Number(r.Id))];
            return DatasetsTrainTestSplit.Split(train, Subsample(testPools, options.TestLimit, "TestLimit", "test"), options);
        }

        var validationPools = new List<Review[]>();
        var remainingTrainPools = new List<Review[]>();
        foreach (var pool in trainPools)
        {
            int take = (int)Math.Round(options.ValidationFraction * pool.Length, MidpointRounding.AwayFromZero);
            validationPools.Add(pool[..take]);
            remainingTrainPools.Add(pool[take..]);
        }

        int validationTotal = validationPools.Sum(p => p.Length);
        if (options.ValidationFraction > 0 && validationTotal == 0)
        {
            throw new ArgumentException(
                $"Validation fraction {options.ValidationFraction} of {trainTotal} train reviews rounds to no validation reviews " +
                "(rounding is per label when stratified); raise the fraction or set it to 0.", nameof(options));
        }

        if (validationTotal == trainTotal)
        {
            throw new ArgumentException(
                $"Validation fraction {options.ValidationFraction} of {trainTotal} train reviews leaves none for training; lower it.", nameof(options));
        }

        return new SplitResult(
            Subsample(remainingTrainPools, options.TrainLimit, "TrainLimit", "train"),
            Subsample(validationPools, options.ValidationLimit, "ValidationLimit", "validation"),
            Subsample(testPools, options.TestLimit, "TestLimit", "test"));
    }

    private static void CheckOptions(SplitOptions options)
    {
        double f = options.ValidationFraction;
        if (!double.IsFinite(f) || f < 0 || f >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), f,
                $"Validation fraction is {f}; it must be at least 0 and less than 1 (e.g. 0.1).");
        }

        foreach (var (name, limit) in new[] { ("TrainLimit", options.TrainLimit), ("ValidationLimit", options.ValidationLimit), ("TestLimit", options.TestLimit) })
        {
            if (limit is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), limit, $"{name} is {limit}; a limit must be positive, or unset for no limit.");
            }
        }
    }

    private static void CheckUniqueIds(Review[] reviews)
    {
        var ids = new HashSet<string>(reviews.Length, StringComparer.Ordinal);
        foreach (var review in reviews)
        {
            if (!ids.Add(review.Id))
            {
                throw new ArgumentException($"Review id '{review.Id}' appears more than once; ids must be unique.", nameof(reviews));
            }
        }
    }

    /// <summary>The split's reviews, one pool per class id (or one pool when not stratified), each shuffled by its stream.</summary>
    private static List<Review[]> Pools(Review[] canonical, ReviewSplit split, SplitOptions options, int classes)
    {
        var ofSplit = canonical.Where(r => r.Split == split).ToArray();
        var pools = options.Stratify
            ? [.. Enumerable.Range(0, classes).Select(label => ofSplit.Where(r => r.Label == label).ToArray())]
            : new List<Review[]> { ofSplit };
        for (int i = 0; i < pools.Count; i++)
        {
            new DeterministicRandom(options.Seed, Stream(split, i)).Shuffle(pools[i]);
        }

        return pools;
    }

    /// <summary>Classes 0 and 1 keep streams 0 and 1 (train), 2 and 3 (test); class c &gt;= 2 takes 4 + 2(c - 2), then + 1 for test.</summary>
    private static int Stream(ReviewSplit split, int pool) =>
        pool < 2 ? (split == ReviewSplit.Train ? 0 : 2) + pool : 4 + 2 * (pool - 2) + (split == ReviewSplit.Train ? 0 : 1);

    private static Review[] Subsample(List<Review[]> pools, int? limit, string limitName, string splitName)
    {
        int available = pools.Sum(p => p.Length);
        if (limit > available)
        {
            throw new ArgumentOutOfRangeException(limitName, limit,
                $"{limitName} is {limit} but only {available} reviews are available for {splitName}; lower the limit or unset it.");
        }

        int[] take = limit is { } k ? Allocate(k, pools.Select(p => p.Length).ToArray()) : pools.Select(p => p.Length).ToArray();
        return ReviewNames.Canonical(pools.SelectMany((pool, i) => pool.Take(take[i])));
    }

    /// <summary>Splits <paramref name="limit"/> over pools in proportion to their sizes (largest remainder, exact integers).</summary>
    private static int[] Allocate(int limit, int[] sizes)
    {
        long total = sizes.Sum(s => (long)s);
        var take = new int[sizes.Length];
        var remainders = new (long Remainder, int Index)[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            long share = (long)limit * sizes[i];
            take[i] = (int)(share / total);
            remainders[i] = (share % total, i);
        }

        int left = limit - take.Sum();
        foreach (var (_, index) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).Take(left))
        {
            take[index]++;
        }

        return take;
    }
}
