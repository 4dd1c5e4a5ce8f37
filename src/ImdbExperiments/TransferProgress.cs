namespace ImdbExperiments;

/// <summary>Bytes downloaded or hashed so far, and the total when known (for a bar with rate and ETA).</summary>
public readonly record struct TransferProgress(long BytesDone, long? TotalBytes);
