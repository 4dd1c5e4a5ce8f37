namespace ImdbExperiments.Specs;

/// <summary>Which tokens of a review longer than max_length are kept.</summary>
public enum TruncationMode
{
    Head,
    Tail,
    [SpecName("head+tail")] HeadTail,
}
