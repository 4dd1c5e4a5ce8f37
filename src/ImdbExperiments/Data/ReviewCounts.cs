namespace ImdbExperiments.Data;

/// <summary>Number of reviews per official split and label.</summary>
public sealed record ReviewCounts(int TrainNegative, int TrainPositive, int TestNegative, int TestPositive)
{
    public int Total => TrainNegative + TrainPositive + TestNegative + TestPositive;

    public int Get(ReviewSplit split, int label) => (split, label) switch
    {
        (ReviewSplit.Train, Review.Negative) => TrainNegative,
        (ReviewSplit.Train, Review.Positive) => TrainPositive,
        (ReviewSplit.Test, Review.Negative) => TestNegative,
        (ReviewSplit.Test, Review.Positive) => TestPositive,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "Allowed labels: 0 (negative), 1 (positive)."),
    };

    public override string ToString() =>
        $"train/neg {TrainNegative}, train/pos {TrainPositive}, test/neg {TestNegative}, test/pos {TestPositive}";

    internal static ReviewCounts Of(IEnumerable<(ReviewSplit Split, int Label)> items)
    {
        var n = new int[4];
        foreach (var (split, label) in items)
        {
            n[(int)split * 2 + label]++;
        }

        return new ReviewCounts(n[0], n[1], n[2], n[3]);
    }
}
