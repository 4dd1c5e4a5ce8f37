namespace ImdbExperiments.Data;

/// <summary>
/// Three disjoint sets of reviews, each in canonical order (label: negative then positive, then numeric id), except train
/// and validation of <see cref="SplitMethod.Datasets"/>, which keep the permutation's order as <c>datasets</c> does.
/// </summary>
public sealed record SplitResult(IReadOnlyList<Review> Train, IReadOnlyList<Review> Validation, IReadOnlyList<Review> Test);
