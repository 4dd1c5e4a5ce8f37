namespace ImdbExperiments.Modeling.Hub;

/// <summary>Bytes transferred so far and the total when the server announced it.</summary>
public readonly record struct TransferProgress(long BytesDone, long? TotalBytes);
