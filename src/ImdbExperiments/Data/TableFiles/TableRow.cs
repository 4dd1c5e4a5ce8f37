namespace ImdbExperiments.Data.TableFiles;

/// <summary>
/// One data row as a reader found it. <paramref name="Record"/> counts data rows from 1 (the default id);
/// <paramref name="Where"/> is how a user finds it ("line 7" in a text file, "row 7" in Parquet).
/// A null field is a missing or empty cell; <paramref name="Error"/> is set when the row itself is malformed.
/// </summary>
public sealed record TableRow(long Record, string Where, string? Id, string? Text, TableLabel? Label, TableRowError? Error);

/// <summary>What is wrong with a row; <paramref name="Column"/> is null when the whole row is malformed.</summary>
public sealed record TableRowError(string? Column, string Problem);
