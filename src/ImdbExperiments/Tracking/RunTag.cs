namespace ImdbExperiments.Tracking;

/// <summary>A run tag. Unlike params, tags may be overwritten.</summary>
public sealed record RunTag(string Key, string Value);
