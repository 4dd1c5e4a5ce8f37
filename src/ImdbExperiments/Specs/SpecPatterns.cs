namespace ImdbExperiments.Specs;

/// <summary>Patterns shared by several spec keys.</summary>
internal static class SpecPatterns
{
    public const string HttpUrl = @"^https?://\S+$";
    public const string HttpUrlDescription = "an http or https URL";
}
