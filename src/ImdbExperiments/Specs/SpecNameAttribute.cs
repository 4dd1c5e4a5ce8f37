namespace ImdbExperiments.Specs;

/// <summary>The YAML spelling of an enum member when it is not the member name in snake_case.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class SpecNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
