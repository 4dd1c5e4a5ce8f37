namespace ImdbExperiments.Specs;

/// <summary>The shapes of value a spec key can hold.</summary>
internal enum SpecValueKind
{
    Section,
    String,
    Int,
    Double,
    Bool,
    Enum,
    StringList,
    StringMap,
    SweepParameters,
    SweepTrials,
}
