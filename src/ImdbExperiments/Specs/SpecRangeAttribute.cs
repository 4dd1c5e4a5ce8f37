namespace ImdbExperiments.Specs;

/// <summary>Numeric bounds of an int or double spec key; an unset bound (NaN) is open.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecRangeAttribute : Attribute
{
    public double Min { get; init; } = double.NaN;

    public double Max { get; init; } = double.NaN;

    public bool MinExclusive { get; init; }

    public bool MaxExclusive { get; init; }
}
