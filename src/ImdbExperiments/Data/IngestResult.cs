namespace ImdbExperiments.Data;

/// <summary>
/// What ingest found and wrote. <paramref name="Found"/> counts the reviews in the archive, <paramref name="Written"/>
/// those in the output after dedupe (<paramref name="RemovedByDedupe"/> = Found.Total - Written.Total).
/// <paramref name="Sha256"/> (lowercase hex) and <paramref name="ByteSize"/> describe <paramref name="OutputFile"/>.
/// <paramref name="IgnoredEntries"/> counts archive entries that are not labelled reviews (README, unsup, urls files, folders).
/// </summary>
public sealed record IngestResult(
    string OutputFile,
    ReviewCounts Found,
    ReviewCounts Written,
    DuplicateStats Duplicates,
    int RemovedByDedupe,
    int IgnoredEntries,
    string Sha256,
    long ByteSize);
