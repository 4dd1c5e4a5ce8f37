namespace ImdbExperiments.Data;

/// <summary>Reviews per official split and class id, for a label set of any size (<see cref="ReviewCounts"/> is the two-class view).</summary>
public sealed record LabelCounts(IReadOnlyList<int> Train, IReadOnlyList<int> Test)
{
    public int Total => Train.Sum() + Test.Sum();

    internal static LabelCounts Of(IEnumerable<(ReviewSplit Split, int Label)> items, int labels)
    {
        var train = new int[labels];
        var test = new int[labels];
        foreach (var (split, label) in items)
            (split == ReviewSplit.Train ? train : test)[label]++;
        return new LabelCounts(train, test);
    }

    // Value equality over the counts (a record would compare the lists by reference).
    public bool Equals(LabelCounts? other) => other is not null && Train.SequenceEqual(other.Train) && Test.SequenceEqual(other.Test);

    public override int GetHashCode() => HashCode.Combine(Train.Count, Total);
}
