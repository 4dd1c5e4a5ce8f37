using ImdbExperiments.Data;

namespace ImdbExperiments.Tests.Data;

public sealed class SplitLabelCheckTests
{
    private static Review[] Reviews(ReviewSplit split, int negative, int positive) =>
    [
        .. Enumerable.Range(0, negative).Select(i => new Review($"{split.ToString().ToLowerInvariant()}/neg/{i}", split, Review.Negative, 1, "bad")),
        .. Enumerable.Range(0, positive).Select(i => new Review($"{split.ToString().ToLowerInvariant()}/pos/{i}", split, Review.Positive, 10, "good")),
    ];

    [Fact]
    public void SplitWithoutAWholeLabel_GivesOneWarningNamingTheSplitAndTheLabel()
    {
        // A partial archive without aclImdb/test/pos: the split succeeds, and the test split holds negatives only.
        var split = DatasetSplitter.Split([.. Reviews(ReviewSplit.Train, 20, 20), .. Reviews(ReviewSplit.Test, 10, 0)],
            new SplitOptions(Seed: 1, ValidationFraction: 0.1));

        var warning = Assert.Single(SplitLabelCheck.MissingLabels(split));

        Assert.Equal("the test split has no positive reviews (only 10 negative); its metrics will not measure sentiment. Is the archive missing test/pos/?", warning);
    }

    [Fact]
    public void SplitsWithBothLabels_GiveNoWarning()
    {
        var split = DatasetSplitter.Split([.. Reviews(ReviewSplit.Train, 20, 20), .. Reviews(ReviewSplit.Test, 10, 10)],
            new SplitOptions(Seed: 1, ValidationFraction: 0));

        Assert.Empty(SplitLabelCheck.MissingLabels(split));
    }

    [Fact]
    public void ValidationSplitOfOneLabel_IsNamed()
    {
        var split = DatasetSplitter.Split([.. Reviews(ReviewSplit.Train, 0, 30), .. Reviews(ReviewSplit.Test, 10, 10)],
            new SplitOptions(Seed: 1, ValidationFraction: 0.2));

        Assert.Equal(
            ["the train split has no negative reviews (only 24 positive); its metrics will not measure sentiment. Is the archive missing train/neg/?",
             "the validation split has no negative reviews (only 6 positive); its metrics will not measure sentiment. Is the archive missing train/neg/?"],
            SplitLabelCheck.MissingLabels(split));
    }
}
