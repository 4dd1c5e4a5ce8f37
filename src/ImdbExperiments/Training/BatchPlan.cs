using ImdbExperiments.Data;

namespace ImdbExperiments.Training;

/// <summary>Which examples go together in a batch, and in which order: a pure function of the lengths, the sizes and the seed.</summary>
public static class BatchPlan
{
    /// <summary>Hugging Face's cap on examples per mega-batch, in units of the sampler's batch size.</summary>
    public const int MaxMegaBatchMultiple = 50;

    /// <summary>
    /// The batches of one training epoch. Without grouping: a seeded shuffle cut into batches. With grouping (Hugging
    /// Face's LengthGroupedSampler): the shuffle is cut into mega-batches of min(50, n / (4 x group)) x group examples,
    /// where group = batch size x accumulation steps; each is sorted longest first (stable), the longest example of all
    /// is swapped to the front so the largest batch comes first, and the result is cut into batches.
    /// The shuffle is Fisher-Yates driven by <see cref="DeterministicRandom"/> seeded with seed + epoch.
    /// </summary>
    public static IReadOnlyList<int[]> TrainingBatches(IReadOnlyList<int> lengths, int batchSize, int accumulationSteps,
        bool groupByLength, int seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(accumulationSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        new DeterministicRandom(unchecked((ulong)((long)seed + epoch))).Shuffle(order);
        if (groupByLength && order.Length > 0)
            order = GroupByLength(order, lengths, batchSize * accumulationSteps);
        return Cut(order, batchSize);
    }

    /// <summary>Batches for inference: longest first (so memory runs out, if it does, at once), ties in file order.</summary>
    public static IReadOnlyList<int[]> EvaluationBatches(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ToArray();
        return Cut(order, batchSize);
    }

    /// <summary>Batches in one epoch: the last may be short (no example is dropped).</summary>
    public static int BatchCount(int examples, int batchSize) => (examples + batchSize - 1) / batchSize;

    private static int[] GroupByLength(int[] shuffled, IReadOnlyList<int> lengths, int groupSize)
    {
        var multiple = Math.Max(1, Math.Min(shuffled.Length / (groupSize * 4), MaxMegaBatchMultiple));
        var megaBatchSize = multiple * groupSize;
        var megaBatches = shuffled.Chunk(megaBatchSize)
            .Select(chunk => chunk.OrderByDescending(i => lengths[i]).ToArray())   // OrderBy is stable, as Python's sorted
            .ToArray();
        var longest = 0;
        for (var m = 1; m < megaBatches.Length; m++)
        {
            if (lengths[megaBatches[m][0]] > lengths[megaBatches[longest][0]])
                longest = m;
        }
        (megaBatches[0][0], megaBatches[longest][0]) = (megaBatches[longest][0], megaBatches[0][0]);
        return megaBatches.SelectMany(m => m).ToArray();
    }

    private static IReadOnlyList<int[]> Cut(int[] order, int batchSize) => order.Chunk(batchSize).ToArray();
}
