namespace ImdbExperiments.Tracking;

/// <summary>A run parameter. MLflow params are write-once: a second value for the same key is rejected.</summary>
public sealed record Param(string Key, string Value);
