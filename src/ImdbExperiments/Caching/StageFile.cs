namespace ImdbExperiments.Caching;

/// <summary>One output file of a stage, as listed in its manifest.</summary>
public sealed record StageFile(string Path, long Size, string Sha256);
