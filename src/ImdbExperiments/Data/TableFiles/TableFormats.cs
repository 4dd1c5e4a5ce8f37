namespace ImdbExperiments.Data.TableFiles;

/// <summary>The one rule that names a table's format from its file name.</summary>
public static class TableFormats
{
    /// <summary>The format its extension names, or null for an extension that names none.</summary>
    public static TableFormat? FromExtension(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => TableFormat.Csv,
        ".tsv" or ".tab" => TableFormat.Tsv,
        ".jsonl" or ".ndjson" => TableFormat.Jsonl,
        ".parquet" or ".pq" => TableFormat.Parquet,
        _ => null,
    };

    public static string Name(TableFormat format) => format.ToString().ToLowerInvariant();
}
