namespace ImdbExperiments.Tracking;

/// <summary>A run folder that already has a journal was to be started anew: another process started it while this one waited for its lock.</summary>
public sealed class JournalExistsException(string message) : InvalidOperationException(message);
