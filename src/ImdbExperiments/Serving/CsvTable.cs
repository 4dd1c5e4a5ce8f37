using System.Text;

namespace ImdbExperiments.Serving;

/// <summary>RFC 4180 CSV as pandas.DataFrame.to_csv writes it: quoted fields with doubled quotes and line breaks inside, LF or CRLF.</summary>
public static class CsvTable
{
    /// <summary>The rows with their fields; blank lines are skipped, as pandas.read_csv does.</summary>
    public static List<List<string>> Read(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var fieldStarted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    quoted = fieldStarted = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                    EndRow();
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }
        if (quoted) throw ScoringException.BadRequest("Failed to parse input as a Pandas DataFrame: a quoted CSV field is not closed.");
        EndRow();
        return rows;

        void EndRow()
        {
            if (fieldStarted || field.Length > 0 || row.Count > 0)
            {
                row.Add(field.ToString());
                rows.Add(row);
            }
            row = [];
            field.Clear();
            fieldStarted = false;
        }
    }
}
