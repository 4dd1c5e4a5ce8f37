namespace ImdbExperiments.Data;

/// <summary>Three disjoint sets of reviews, each in canonical order (label: negative then positive, then numeric id).</summary>
public sealed record SplitResult(IReadOnlyList<Review> Train, IReadOnlyList<Review> Validation, IReadOnlyList<Review> Test);
