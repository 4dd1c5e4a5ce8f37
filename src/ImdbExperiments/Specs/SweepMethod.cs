namespace ImdbExperiments.Specs;

/// <summary>How a sweep chooses its trials.</summary>
public enum SweepMethod
{
    Grid,
    Random,
    List,
    Tpe,
}
