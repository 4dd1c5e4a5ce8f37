namespace ImdbExperiments.Specs;

/// <summary>The default as documented, for keys whose default is computed at load (e.g. from the file name).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecDefaultAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}
