namespace ImdbExperiments.Tracking;

/// <summary>A child run cannot be created yet: its parent run has not reached the backend.</summary>
internal sealed class ParentRunNotReadyException(string parentRunFolder)
    : Exception($"The parent run in '{parentRunFolder}' has not been created on the tracking backend yet.")
{
    public string ParentRunFolder { get; } = parentRunFolder;
}
