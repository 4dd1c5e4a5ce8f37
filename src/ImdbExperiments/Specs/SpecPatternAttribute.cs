namespace ImdbExperiments.Specs;

/// <summary>A regular expression a string spec key (or each item of a string list) must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecPatternAttribute(string regex, string description) : Attribute
{
    public string Regex { get; } = regex;

    /// <summary>What the pattern accepts, in words, e.g. "an http or https URL".</summary>
    public string Description { get; } = description;
}
