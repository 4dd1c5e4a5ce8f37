namespace ImdbExperiments.Specs;

/// <summary>What an IMDb review is classified by: its sentiment (two classes) or its star rating (eight classes).</summary>
public enum DataTarget
{
    Label,
    Rating,
}
