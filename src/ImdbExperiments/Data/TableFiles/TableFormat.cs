namespace ImdbExperiments.Data.TableFiles;

/// <summary>The file formats a labelled table can come in.</summary>
public enum TableFormat
{
    Csv,
    Tsv,
    Jsonl,
    Parquet,
}
