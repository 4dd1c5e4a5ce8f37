namespace ImdbExperiments.Specs;

/// <summary>A file-system path: resolved against the folder of the file that declared it (the working directory for --set).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SpecPathAttribute : Attribute;
