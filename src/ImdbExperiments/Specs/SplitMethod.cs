namespace ImdbExperiments.Specs;

/// <summary>How validation is carved out of the training split.</summary>
public enum SplitMethod
{
    Stratified,
    Datasets,
}
