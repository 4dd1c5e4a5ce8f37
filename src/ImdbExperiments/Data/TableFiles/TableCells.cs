using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace ImdbExperiments.Data.TableFiles;

/// <summary>Turns raw cells into row fields, one rule for every format.</summary>
internal static class TableCells
{
    /// <summary>Cells and ids are bounded so one hostile row cannot exhaust memory.</summary>
    public const int MaxCellBytes = 16 << 20;
    public const int MaxIdLength = 200;

    /// <summary>An integer label is canonical ("+01" is "1"); anything else is a string label, verbatim.</summary>
    public static TableLabel Label(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? new TableLabel(n.ToString(CultureInfo.InvariantCulture), true, n)
            : new TableLabel(text, false, 0);

    public static TableLabel Label(long n) => new(n.ToString(CultureInfo.InvariantCulture), true, n);

    /// <summary>The UTF-8 text of a cell, or the problem with it.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, out string? problem)
    {
        problem = null;
        if (Utf8.IsValid(bytes)) return Encoding.UTF8.GetString(bytes);
        Utf8.ToUtf16(bytes, new char[bytes.Length], out int valid, out _, replaceInvalidSequences: false);
        problem = $"is not valid UTF-8 (first bad byte at offset {valid} of the cell); save the file as UTF-8";
        return null;
    }

    /// <summary>Why an id cannot be used, or null: ids go into one-line files and the run record.</summary>
    public static string? IdProblem(string id) =>
        id.Length > MaxIdLength ? $"is {id.Length} characters long; at most {MaxIdLength} allowed"
        : id.Any(char.IsControl) ? "holds a control character (tab, newline, ...); ids must be one line of text"
        : null;
}
