using System.Security.Cryptography;
using System.Text;
using ImdbExperiments.Data;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

public sealed class DatasetSplitterTests : IDisposable
{
    private static readonly SplitOptions Default = new(Seed: 13, ValidationFraction: 0.1);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Split_IsIdenticalForSameSeed()
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);

        var first = SplitWriter.Write(DatasetSplitter.Split(reviews, Default), _temp.Combine("a"));
        var second = SplitWriter.Write(DatasetSplitter.Split(reviews, Default), _temp.Combine("b"));

        foreach (string name in new[] { SplitFiles.TrainFileName, SplitFiles.ValidationFileName, SplitFiles.TestFileName })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(_temp.Combine("a"), name)), File.ReadAllBytes(Path.Combine(_temp.Combine("b"), name)));
        }

        Assert.Equal(first.Train.Sha256, second.Train.Sha256);
        Assert.Equal(first.Validation.Sha256, second.Validation.Sha256);
    }

    [Fact]
    public void Split_DoesNotDependOnInputOrder()
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);
        var shuffled = reviews.ToArray();
        new DeterministicRandom(99UL).Shuffle(shuffled);

        var a = DatasetSplitter.Split(reviews, Default with { TestLimit = 51 });
        var b = DatasetSplitter.Split(shuffled, Default with { TestLimit = 51 });

        Assert.Equal(Ids(a.Train), Ids(b.Train));
        Assert.Equal(Ids(a.Validation), Ids(b.Validation));
        Assert.Equal(Ids(a.Test), Ids(b.Test));
    }

    [Fact]
    public void Split_DiffersForAnotherSeed()
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);

        var a = DatasetSplitter.Split(reviews, Default);
        var b = DatasetSplitter.Split(reviews, Default with { Seed = 14 });

        Assert.NotEqual(Ids(a.Validation), Ids(b.Validation));
        Assert.Equal(Ids(a.Test), Ids(b.Test)); // no test limit: test is the whole official test split
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Split_IsPairwiseDisjointAndValidationComesFromOfficialTrain(bool stratify)
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);

        var split = DatasetSplitter.Split(reviews, Default with { Stratify = stratify });

        var train = Ids(split.Train).ToHashSet();
        var validation = Ids(split.Validation).ToHashSet();
        var test = Ids(split.Test).ToHashSet();
        Assert.False(train.Overlaps(validation));
        Assert.False(train.Overlaps(test));
        Assert.False(validation.Overlaps(test));
        Assert.Equal(reviews.Where(r => r.Split == ReviewSplit.Train).Select(r => r.Id).ToHashSet(), train.Union(validation).ToHashSet());
        Assert.Equal(reviews.Where(r => r.Split == ReviewSplit.Test).Select(r => r.Id).ToHashSet(), test);
        Assert.Equal(40, validation.Count);
    }

    [Fact]
    public void Split_ValidationIsStratifiedPerLabel()
    {
        var reviews = Reviews(trainPerLabel: 205, testPerLabel: 10);

        var split = DatasetSplitter.Split(reviews, Default with { ValidationFraction = 0.1 });

        // round(0.1 * 205) = round(20.5) = 21 per label (half away from zero).
        Assert.Equal(21, split.Validation.Count(r => r.Label == Review.Negative));
        Assert.Equal(21, split.Validation.Count(r => r.Label == Review.Positive));
        Assert.Equal(368, split.Train.Count);
    }

    [Fact]
    public void Split_ReturnsEachSplitInCanonicalOrder()
    {
        var split = DatasetSplitter.Split(Reviews(trainPerLabel: 30, testPerLabel: 30), Default);

        foreach (var part in new[] { split.Train, split.Validation, split.Test })
        {
            var keys = part.Select(r => (r.Label, Number: int.Parse(r.Id.Split('/')[2]))).ToList();
            Assert.Equal(keys.OrderBy(k => k.Label).ThenBy(k => k.Number), keys);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    [InlineData(101)]
    public void Split_LimitsKeepLabelBalanceWithinOne(int limit)
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);

        var split = DatasetSplitter.Split(reviews, Default with { TrainLimit = limit, ValidationLimit = Math.Min(limit, 40), TestLimit = limit });

        Assert.Equal(limit, split.Train.Count);
        Assert.Equal(Math.Min(limit, 40), split.Validation.Count);
        Assert.Equal(limit, split.Test.Count);
        foreach (var part in new[] { split.Train, split.Validation, split.Test })
        {
            int negative = part.Count(r => r.Label == Review.Negative);
            Assert.InRange(negative - (part.Count - negative), -1, 1);
        }
    }

    [Fact]
    public void Split_LimitsDoNotChangeTheOtherSplits()
    {
        var reviews = Reviews(trainPerLabel: 200, testPerLabel: 150);

        var full = DatasetSplitter.Split(reviews, Default);
        var limited = DatasetSplitter.Split(reviews, Default with { TrainLimit = 30 });

        Assert.Equal(Ids(full.Validation), Ids(limited.Validation));
        Assert.Equal(Ids(full.Test), Ids(limited.Test));
        Assert.Subset(Ids(full.Train).ToHashSet(), Ids(limited.Train).ToHashSet());
    }

    [Fact]
    public void Split_LimitLargerThanAvailableNamesBothNumbers()
    {
        var reviews = Reviews(trainPerLabel: 50, testPerLabel: 20);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplitter.Split(reviews, Default with { TestLimit = 41 }));

        Assert.Contains("TestLimit is 41 but only 40 reviews are available for test", error.Message);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Split_RejectsFractionOutsideZeroToOne(double fraction)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => DatasetSplitter.Split(Reviews(10, 10), Default with { ValidationFraction = fraction }));

        Assert.Contains("at least 0 and less than 1", error.Message);
    }

    [Fact]
    public void Split_RejectsFractionThatRoundsToNoValidation()
    {
        var error = Assert.Throws<ArgumentException>(
            () => DatasetSplitter.Split(Reviews(10, 10), Default with { ValidationFraction = 0.01 }));

        Assert.Contains("rounds to no validation reviews", error.Message);
    }

    [Fact]
    public void Split_RejectsFractionThatLeavesNoTraining()
    {
        var error = Assert.Throws<ArgumentException>(
            () => DatasetSplitter.Split(Reviews(10, 10), Default with { ValidationFraction = 0.99 }));

        Assert.Contains("leaves none for training", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Split_RejectsNonPositiveLimits(int limit)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => DatasetSplitter.Split(Reviews(10, 10), Default with { ValidationLimit = limit }));

        Assert.Contains($"ValidationLimit is {limit}", error.Message);
    }

    [Fact]
    public void Split_ZeroFractionGivesEmptyValidation()
    {
        var split = DatasetSplitter.Split(Reviews(10, 10), Default with { ValidationFraction = 0 });

        Assert.Empty(split.Validation);
        Assert.Equal(20, split.Train.Count);
    }

    [Fact]
    public void Split_RejectsDuplicateIds()
    {
        var reviews = Reviews(10, 10).Append(new Review("train/pos/3", ReviewSplit.Train, Review.Positive, 9, "again")).ToList();

        var error = Assert.Throws<ArgumentException>(() => DatasetSplitter.Split(reviews, Default));

        Assert.Contains("'train/pos/3' appears more than once", error.Message);
    }

    [Fact]
    public void Writer_WritesOneIdPerLineWithLfNoBomAndReportsHashesAndCounts()
    {
        var split = DatasetSplitter.Split(Reviews(trainPerLabel: 20, testPerLabel: 10), Default with { ValidationFraction = 0.2 });

        var files = SplitWriter.Write(split, _temp.Combine("split"));

        Assert.Equal(new SplitFile(Path.Combine(_temp.Combine("split"), "validation.ids"), 8, 4, 4, files.Validation.Sha256), files.Validation);
        Assert.Equal((32, 16, 16), (files.Train.Count, files.Train.NegativeCount, files.Train.PositiveCount));
        Assert.Equal((20, 10, 10), (files.Test.Count, files.Test.NegativeCount, files.Test.PositiveCount));
        foreach (var file in new[] { files.Train, files.Validation, files.Test })
        {
            var bytes = File.ReadAllBytes(file.Path);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), file.Sha256);
            Assert.False(bytes.AsSpan().StartsWith(Encoding.UTF8.Preamble));
            Assert.DoesNotContain((byte)'\r', bytes);
            Assert.Equal((byte)'\n', bytes[^1]);
        }

        Assert.Equal(string.Concat(split.Test.Select(r => r.Id + "\n")), File.ReadAllText(files.Test.Path));
        Assert.Equal(3, Directory.GetFiles(_temp.Combine("split")).Length);
    }

    [Fact]
    public void Reader_ReadsBackWhatWriterWrote()
    {
        var reviews = Reviews(trainPerLabel: 20, testPerLabel: 10);
        var split = DatasetSplitter.Split(reviews, Default with { ValidationFraction = 0.2, TestLimit = 5 });
        SplitWriter.Write(split, _temp.Combine("split"));

        var read = SplitReader.Read(_temp.Combine("split"), reviews);

        Assert.Equal(split.Train, read.Train);
        Assert.Equal(split.Validation, read.Validation);
        Assert.Equal(split.Test, read.Test);
    }

    [Fact]
    public void Reader_RejectsIdsThatAreNotInTheReviews()
    {
        var reviews = Reviews(trainPerLabel: 20, testPerLabel: 10);
        SplitWriter.Write(DatasetSplitter.Split(reviews, Default with { ValidationFraction = 0.2 }), _temp.Combine("split"));

        var error = Assert.Throws<InvalidDataException>(
            () => SplitReader.Read(_temp.Combine("split"), reviews.Where(r => r.Id != "test/pos/4").ToList()));

        Assert.Contains("test.ids line 15: id 'test/pos/4' is not in the review file", error.Message);
    }

    [Fact]
    public void Split_WorksEndToEndFromASyntheticArchive()
    {
        string archive = _temp.Combine("synthetic.tar.gz");
        SyntheticImdb.WriteArchive(archive, 25, seed: 5);
        ImdbIngester.Ingest(archive, _temp.Combine("reviews.jsonl"), new IngestOptions(DedupeMode.AcrossSplits, Partial: true));

        var split = DatasetSplitter.Split(ReviewFile.Read(_temp.Combine("reviews.jsonl")), Default with { ValidationFraction = 0.2 });

        Assert.Equal(25 * 2 - 1, split.Test.Count); // test/pos/3 repeats test/pos/1; test keeps its cross-split copies
        Assert.NotEmpty(split.Validation);
        Assert.All(split.Validation, r => Assert.Equal(ReviewSplit.Train, r.Split));
    }

    private static List<Review> Reviews(int trainPerLabel, int testPerLabel)
    {
        var reviews = new List<Review>();
        foreach (var (split, perLabel) in new[] { (ReviewSplit.Train, trainPerLabel), (ReviewSplit.Test, testPerLabel) })
        {
            foreach (int label in new[] { Review.Negative, Review.Positive })
            {
                string folder = $"{(split == ReviewSplit.Train ? "train" : "test")}/{(label == Review.Positive ? "pos" : "neg")}";
                for (int i = 0; i < perLabel; i++)
                {
                    reviews.Add(new Review($"{folder}/{i}", split, label, label == Review.Positive ? 8 : 2, $"{folder} text {i}"));
                }
            }
        }

        return reviews;
    }

    private static IEnumerable<string> Ids(IEnumerable<Review> reviews) => reviews.Select(r => r.Id);
}
