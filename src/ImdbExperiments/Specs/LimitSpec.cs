namespace ImdbExperiments.Specs;

/// <summary>Per-split subsample sizes; null keeps the whole split.</summary>
public sealed record LimitSpec
{
    [SpecKey("train"), SpecRange(Min = 2), SpecDoc("Reviews kept in the training split; null = all.")]
    public int? Train { get; init; }

    [SpecKey("validation"), SpecRange(Min = 2), SpecDoc("Reviews kept in the validation split; null = all.")]
    public int? Validation { get; init; }

    [SpecKey("test"), SpecRange(Min = 2), SpecDoc("Reviews kept in the test split; null = all.")]
    public int? Test { get; init; }
}
