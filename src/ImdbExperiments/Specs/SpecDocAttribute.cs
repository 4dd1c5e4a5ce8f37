namespace ImdbExperiments.Specs;

/// <summary>One-line description of a spec key, shown in the generated reference.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecDocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}
