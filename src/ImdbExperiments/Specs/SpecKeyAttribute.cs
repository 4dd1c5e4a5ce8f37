namespace ImdbExperiments.Specs;

/// <summary>The snake_case YAML key of a spec property; a property without it is not part of the spec.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecKeyAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
