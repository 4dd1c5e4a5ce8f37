namespace ImdbExperiments.Specs;

/// <summary>The documented type of a key whose shape the loader binds by hand (sweep parameters and trials).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecTypeAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}
