namespace ImdbExperiments.Data.TableFiles;

/// <summary>One table file and its format.</summary>
public sealed record TableSource(string Path, TableFormat Format)
{
    /// <summary>The files read one after another as one table (a Hub split's Parquet shards; <see cref="Path"/> is the first); record numbers run on across them.</summary>
    public IReadOnlyList<string> Shards { get; init; } = [Path];
}

/// <summary>
/// What to ingest: the train table, an optional test table (without one, <paramref name="TestFraction"/> of train,
/// stratified by label and shuffled from <paramref name="Seed"/>, becomes test), the columns, and whether bad rows are skipped.
/// </summary>
public sealed record TableIngestRequest(
    TableSource Train, TableSource? Test, TableColumns Columns, bool SkipBadRows, double TestFraction, int Seed);

/// <summary>
/// What ingest wrote: counts per split and 0/1 label, the two label names in 0/1 order (sorted: integers numerically,
/// strings ordinally), the skipped rows (count and the first few as "file line n"), and the output's SHA-256 and size.
/// </summary>
/// <param name="Written">the two-label counts; null for more labels (see <see cref="PerLabel"/>)</param>
public sealed record TableIngestResult(
    ReviewCounts? Written, IReadOnlyList<string> Labels, bool IntegerLabels, int Skipped, IReadOnlyList<string> FirstSkipped, string Sha256, long ByteSize)
{
    /// <summary>Rows per split and class id, for any number of labels.</summary>
    public required LabelCounts PerLabel { get; init; }
}
