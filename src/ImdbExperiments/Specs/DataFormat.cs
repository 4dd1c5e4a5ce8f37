namespace ImdbExperiments.Specs;

/// <summary>The format of data.source: files tables.</summary>
public enum DataFormat
{
    Csv,
    Tsv,
    Jsonl,
    Parquet,
}
