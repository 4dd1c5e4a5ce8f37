namespace ImdbExperiments.Tracking;

/// <summary>A run as a tracking backend knows it.</summary>
public sealed record RunInfo(
    string RunId,
    string ExperimentId,
    string RunName,
    string ArtifactUri,
    RunStatus Status,
    long StartTimeMs,
    long? EndTimeMs);
