namespace ImdbExperiments.Specs;

/// <summary>A string key whose value is <see cref="Prefix"/> followed by the YAML spelling of a member of <see cref="EnumType"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecEnumTextAttribute(Type enumType, string prefix) : Attribute
{
    public Type EnumType { get; } = enumType;

    public string Prefix { get; } = prefix;
}
