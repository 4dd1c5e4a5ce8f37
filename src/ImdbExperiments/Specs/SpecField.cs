namespace ImdbExperiments.Specs;

/// <summary>One documented spec key.</summary>
/// <param name="Key">Dotted key, e.g. training.learning_rate.</param>
/// <param name="Section">Dotted path of the section it lives in; "" for the top level.</param>
/// <param name="Name">The YAML key within its section.</param>
public sealed record SpecField(string Key, string Section, string Name, string Type, string Default, string Allowed, string Description);
