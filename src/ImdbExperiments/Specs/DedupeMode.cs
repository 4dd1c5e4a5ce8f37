namespace ImdbExperiments.Specs;

/// <summary>How duplicate review texts are removed.</summary>
public enum DedupeMode
{
    None,
    [SpecName("within-split")] WithinSplit,
    [SpecName("across-splits")] AcrossSplits,
}
