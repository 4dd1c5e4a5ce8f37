namespace ImdbExperiments.Data.TableFiles;

/// <summary>A table file that cannot be ingested; the message names the file and, where there is one, the row and column.</summary>
public sealed class TableFileException(string path, string message, Exception? inner = null) : IOException(message, inner)
{
    public string TablePath { get; } = path;
}
