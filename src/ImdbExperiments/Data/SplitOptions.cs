namespace ImdbExperiments.Data;

/// <summary>
/// How <see cref="DatasetSplitter"/> splits: <paramref name="ValidationFraction"/> (in [0, 1)) of the official train
/// split becomes validation, per label when <paramref name="Stratify"/>; the limits, when set, subsample each split
/// (seeded, per label when stratified) to at most that many reviews.
/// </summary>
public sealed record SplitOptions(
    int Seed,
    double ValidationFraction,
    bool Stratify = true,
    int? TrainLimit = null,
    int? ValidationLimit = null,
    int? TestLimit = null);
