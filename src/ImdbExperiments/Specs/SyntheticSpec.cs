namespace ImdbExperiments.Specs;

/// <summary>Generated reviews for data.source: synthetic.</summary>
public sealed record SyntheticSpec
{
    [SpecKey("reviews_per_label"), SpecRange(Min = 2, Max = 100000)]
    [SpecDoc("Reviews generated per label in each of the train and test splits.")]
    public int ReviewsPerLabel { get; init; } = 200;

    [SpecKey("seed"), SpecRange(Min = 0, Max = int.MaxValue)]
    [SpecDoc("Seed of the generator; null = the top-level seed.")]
    public int? Seed { get; init; }
}
