namespace ImdbExperiments.Tracking;

/// <summary>A metric, param or tag that a backend refused for good (for example a param whose value would change).</summary>
public sealed record RejectedEntity(string Kind, string Key, string Reason);
