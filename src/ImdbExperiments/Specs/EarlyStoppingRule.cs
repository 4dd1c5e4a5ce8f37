namespace ImdbExperiments.Specs;

/// <summary>How a sweep stops unpromising trials early.</summary>
public enum EarlyStoppingRule
{
    Median,
    Asha,
    Hyperband,
}
