namespace ImdbExperiments.Data;

/// <summary>One written ids file: its path, how many ids it holds (by label), and its SHA-256 (lowercase hex).</summary>
public sealed record SplitFile(string Path, int Count, int NegativeCount, int PositiveCount, string Sha256);
