using ImdbExperiments.Data;
using ImdbExperiments.Data.NumpyRandom;

namespace ImdbExperiments.Tests.Data;

// Follows huggingface/datasets src/datasets/arrow_dataset.py Dataset.train_test_split (test_size float, train_size
// None, shuffle=True, stratify_by_column None): n_test = ceil(test_size * n), n_train = n - n_test, an error when
// n_train is 0, generator = np.random.default_rng(seed), test = permutation[:n_test], train = permutation[n_test:].
public sealed class DatasetsSplitMethodTests
{
    private static readonly SplitOptions Datasets = new(Seed: 13, ValidationFraction: 0.1, Method: SplitMethod.Datasets);

    [Fact]
    public void Split_DatasetsPicksPermutationHeadOfCanonicalTrain_HandDerivedForSeedZero()
    {
        // Canonical train order: neg/1, neg/2, pos/1, pos/2, pos/3. default_rng(0).permutation(5) is [2, 4, 3, 0, 1]
        // (derived in NumpyGeneratorTests from pcg64-testset-2.csv); ceil(0.2 * 5) = 1.
        var reviews = Reviews(trainNegative: 2, trainPositive: 3, test: 2);

        var split = DatasetSplitter.Split(reviews, Datasets with { Seed = 0, ValidationFraction = 0.2 });

        Assert.Equal(["train/pos/1"], Ids(split.Validation));
        Assert.Equal(["train/pos/3", "train/pos/2", "train/neg/1", "train/neg/2"], Ids(split.Train));
    }

    [Theory]
    [InlineData(13, 40, 0.1)]
    [InlineData(42, 200, 0.25)]
    [InlineData(0, 999, 0.1)]
    public void Split_DatasetsValidationIsPermutationHead_TrainTheRestInPermutationOrder(int seed, int trainPerLabel, double fraction)
    {
        var reviews = Reviews(trainPerLabel, trainPerLabel, test: 10);
        var canonicalTrain = reviews.Where(r => r.Split == ReviewSplit.Train).OrderBy(r => r.Label).ThenBy(r => Number(r.Id)).ToArray();
        var permutation = NumpyGenerator.DefaultRng(seed).Permutation(canonicalTrain.Length);
        int validationCount = (int)Math.Ceiling(fraction * canonicalTrain.Length);

        var split = DatasetSplitter.Split(reviews, Datasets with { Seed = seed, ValidationFraction = fraction });

        Assert.Equal(permutation.Take(validationCount).Select(i => canonicalTrain[i].Id), Ids(split.Validation));
        Assert.Equal(permutation.Skip(validationCount).Select(i => canonicalTrain[i].Id), Ids(split.Train));
    }

    [Fact]
    public void Split_DatasetsRoundsValidationUp()
    {
        // datasets takes ceil(test_size * n) for the test part: 0.1 * 25 = 2.5 gives 3 (the stratified method rounds per label).
        var split = DatasetSplitter.Split(Reviews(12, 13, test: 4), Datasets);

        Assert.Equal(3, split.Validation.Count);
        Assert.Equal(22, split.Train.Count);
    }

    [Fact]
    public void Split_DatasetsIsDisjointCoversTrainAndKeepsTheStratifiedTestSplit()
    {
        var reviews = Reviews(120, 80, test: 50);

        var split = DatasetSplitter.Split(reviews, Datasets with { TestLimit = 21 });
        var stratified = DatasetSplitter.Split(reviews, Datasets with { TestLimit = 21, Method = SplitMethod.Stratified });

        var train = Ids(split.Train).ToHashSet();
        var validation = Ids(split.Validation).ToHashSet();
        Assert.Equal(split.Train.Count, train.Count);
        Assert.Equal(split.Validation.Count, validation.Count);
        Assert.False(train.Overlaps(validation));
        Assert.Equal(reviews.Where(r => r.Split == ReviewSplit.Train).Select(r => r.Id).ToHashSet(), train.Union(validation).ToHashSet());
        Assert.Equal(20, validation.Count);
        Assert.Equal(Ids(stratified.Test), Ids(split.Test));
    }

    [Fact]
    public void Split_DatasetsIsIdenticalForSameSeedAndInputOrder_AndDiffersForAnotherSeed()
    {
        var reviews = Reviews(100, 100, test: 10);
        var shuffled = reviews.ToArray();
        new DeterministicRandom(5UL).Shuffle(shuffled);

        var a = DatasetSplitter.Split(reviews, Datasets);
        var b = DatasetSplitter.Split(shuffled, Datasets);
        var c = DatasetSplitter.Split(reviews, Datasets with { Seed = 14 });

        Assert.Equal(Ids(a.Validation), Ids(b.Validation));
        Assert.Equal(Ids(a.Train), Ids(b.Train));
        Assert.NotEqual(Ids(a.Validation), Ids(c.Validation));
    }

    [Fact]
    public void Split_DatasetsDiffersFromStratifiedForTheSameSeed()
    {
        var reviews = Reviews(100, 100, test: 10);

        var datasets = DatasetSplitter.Split(reviews, Datasets);
        var stratified = DatasetSplitter.Split(reviews, Datasets with { Method = SplitMethod.Stratified });

        Assert.NotEqual(Ids(stratified.Validation).Order(), Ids(datasets.Validation).Order());
    }

    [Fact]
    public void Split_DatasetsLimitsKeepTheFirstInPermutationOrder()
    {
        var reviews = Reviews(50, 50, test: 10);
        var full = DatasetSplitter.Split(reviews, Datasets);

        var limited = DatasetSplitter.Split(reviews, Datasets with { TrainLimit = 7, ValidationLimit = 3 });

        Assert.Equal(Ids(full.Train).Take(7), Ids(limited.Train));
        Assert.Equal(Ids(full.Validation).Take(3), Ids(limited.Validation));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Split(reviews, Datasets with { ValidationLimit = 11 }));
        Assert.Contains("ValidationLimit is 11 but only 10 reviews are available for validation", error.Message);
    }

    [Fact]
    public void Split_DatasetsRejectsFractionThatLeavesNoTraining()
    {
        // ceil(0.9 * 5) = 5: datasets raises "the resulting train set will be empty".
        var error = Assert.Throws<ArgumentException>(() => DatasetSplitter.Split(Reviews(2, 3, test: 2), Datasets with { ValidationFraction = 0.9 }));

        Assert.Contains("leaves none for training", error.Message);
    }

    [Fact]
    public void Split_DatasetsRejectsZeroFraction()
    {
        // train_test_split requires 0 < test_size < 1 for a float.
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Split(Reviews(2, 3, test: 2), Datasets with { ValidationFraction = 0 }));

        Assert.Contains("above 0 and below 1", error.Message);
    }

    private static List<Review> Reviews(int trainNegative, int trainPositive, int test)
    {
        var reviews = new List<Review>();
        for (int i = 1; i <= trainNegative; i++) reviews.Add(new Review($"train/neg/{i}", ReviewSplit.Train, Review.Negative, 1, $"n{i}"));
        for (int i = 1; i <= trainPositive; i++) reviews.Add(new Review($"train/pos/{i}", ReviewSplit.Train, Review.Positive, 10, $"p{i}"));
        for (int i = 1; i <= test; i++) reviews.Add(new Review($"test/{(i % 2 == 0 ? "pos" : "neg")}/{i}", ReviewSplit.Test, i % 2 == 0 ? Review.Positive : Review.Negative, i % 2 == 0 ? 10 : 1, $"t{i}"));
        return reviews;
    }

    private static int Number(string id) => int.Parse(id[(id.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Ids(IEnumerable<Review> reviews) => reviews.Select(r => r.Id).ToArray();
}
