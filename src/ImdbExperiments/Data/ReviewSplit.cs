namespace ImdbExperiments.Data;

/// <summary>The official IMDb split a review comes from (validation is carved out of <see cref="Train"/> later).</summary>
public enum ReviewSplit
{
    Train = 0,
    Test = 1,
}
