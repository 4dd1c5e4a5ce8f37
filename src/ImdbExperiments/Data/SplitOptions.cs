namespace ImdbExperiments.Data;

/// <summary>
/// How <see cref="DatasetSplitter"/> splits: <paramref name="ValidationFraction"/> (in [0, 1)) of the official train
/// split becomes validation, per label when <paramref name="Stratify"/>; the limits, when set, subsample each split
/// (seeded, per label when stratified) to at most that many reviews. <paramref name="Method"/> picks the algorithm;
/// <paramref name="Stratify"/> applies to <see cref="SplitMethod.Stratified"/> only.
/// </summary>
public sealed record SplitOptions(
    int Seed,
    double ValidationFraction,
    bool Stratify = true,
    int? TrainLimit = null,
    int? ValidationLimit = null,
    int? TestLimit = null,
    SplitMethod Method = SplitMethod.Stratified);
