using ImdbExperiments.Data;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Training;

public sealed class BatchPlanTests
{
    private static int[] Lengths(int count, int seed)
    {
        var random = new DeterministicRandom(seed);
        return Enumerable.Range(0, count).Select(_ => 3 + random.NextInt(500)).ToArray();
    }

    [Fact]
    public void TrainingBatches_CoverEveryExampleOnce()
    {
        var batches = BatchPlan.TrainingBatches(Lengths(1001, 1), batchSize: 16, accumulationSteps: 1, groupByLength: true, seed: 42, epoch: 0);

        Assert.Equal(Enumerable.Range(0, 1001), batches.SelectMany(b => b).Order());
        Assert.All(batches.SkipLast(1), b => Assert.Equal(16, b.Length));
        Assert.Equal(1001 % 16, batches[^1].Length);
    }

    [Fact]
    public void TrainingBatches_Grouped_SortEachMegaBatchLongestFirstAndStartWithTheLongestExample()
    {
        var lengths = Lengths(2000, 2);
        // batch 4 x accumulation 2 = 8 per group; min(50, 2000 / 32) = 50 groups, 400 examples a mega-batch.
        var order = BatchPlan.TrainingBatches(lengths, 4, 2, groupByLength: true, seed: 1, epoch: 0).SelectMany(b => b).ToArray();

        Assert.Equal(lengths.Max(), lengths[order[0]]);
        foreach (var (megaBatch, index) in order.Chunk(400).Select((m, i) => (m, i)))
        {
            var sorted = megaBatch.Skip(index == 0 ? 1 : 0).Select(i => lengths[i]).ToArray();
            Assert.Equal(sorted.OrderDescending(), sorted);
        }
        Assert.NotEqual(lengths.Max(), lengths[order[400]]);   // mega-batches are not sorted among themselves
    }

    [Fact]
    public void TrainingBatches_Grouped_WithFewExamples_UseMegaBatchesOfOneGroup()
    {
        var lengths = Lengths(40, 3);
        var order = BatchPlan.TrainingBatches(lengths, 8, 1, groupByLength: true, seed: 1, epoch: 0).SelectMany(b => b).ToArray();

        // 40 / (8 x 4) = 1 group per mega-batch: every batch is sorted, the batches are not.
        foreach (var chunk in order.Chunk(8).Skip(1))
            Assert.Equal(chunk.Select(i => lengths[i]).OrderDescending(), chunk.Select(i => lengths[i]));
        Assert.Equal(lengths.Max(), lengths[order[0]]);
    }

    [Fact]
    public void TrainingBatches_Ungrouped_AreTheSeededShuffleOfThatEpoch()
    {
        var expected = Enumerable.Range(0, 50).ToArray();
        new DeterministicRandom(42UL + 3).Shuffle(expected);

        var batches = BatchPlan.TrainingBatches(Lengths(50, 4), 8, 1, groupByLength: false, seed: 42, epoch: 3);

        Assert.Equal(expected, batches.SelectMany(b => b));
    }

    [Fact]
    public void TrainingBatches_AreIdenticalForTheSameSeedAndEpochAndDifferAcrossEpochs()
    {
        var lengths = Lengths(300, 5);
        string Plan(int seed, int epoch) =>
            string.Join(";", BatchPlan.TrainingBatches(lengths, 8, 1, true, seed, epoch).Select(b => string.Join(",", b)));

        Assert.Equal(Plan(7, 1), Plan(7, 1));
        Assert.NotEqual(Plan(7, 1), Plan(7, 2));
        Assert.NotEqual(Plan(7, 1), Plan(8, 1));
    }

    [Fact]
    public void EvaluationBatches_GoLongestFirstWithTiesInFileOrder()
    {
        var batches = BatchPlan.EvaluationBatches([5, 9, 5, 2, 9, 7], batchSize: 4);

        Assert.Equal([[1, 4, 5, 0], [2, 3]], batches);
    }
}
