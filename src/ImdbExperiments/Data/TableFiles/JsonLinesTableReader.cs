using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;

namespace ImdbExperiments.Data.TableFiles;

/// <summary>JSON Lines: one JSON object per line, streamed line by line; blank lines are not records; a leading BOM is skipped.</summary>
internal static class JsonLinesTableReader
{
    const int MaxLineBytes = TableCells.MaxCellBytes + (1 << 20);

    public static async IAsyncEnumerable<TableRow> ReadAsync(
        string path, TableColumns columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        var line = new MemoryStream();
        long lineNumber = 0, record = 0;
        bool first = true;
        while (true)
        {
            int read = await stream.ReadAsync(buffer, cancellationToken);
            int start = 0;
            if (first && read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) start = 3;
            first = false;
            for (int i = start; i <= read; i++)
            {
                bool end = i == read;
                if (!end && buffer[i] != '\n') continue;
                if (line.Length + (i - start) > MaxLineBytes)
                    throw new TableFileException(path, $"{path} line {lineNumber + 1}: the line is longer than {MaxLineBytes} bytes.");
                line.Write(buffer, start, i - start);
                start = i + 1;
                if (end && read > 0) break;
                lineNumber++;
                var bytes = line.GetBuffer().AsMemory(0, (int)line.Length);
                line.SetLength(0);
                if (!IsBlank(bytes.Span))
                    yield return Parse(bytes.Span, ++record, $"line {lineNumber}", columns);
                if (end) break;
            }

            if (read == 0) yield break;
        }
    }

    static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r"u8).IsEmpty;

    static TableRow Parse(ReadOnlySpan<byte> line, long record, string where, TableColumns columns)
    {
        TableRow Bad(string? column, string problem) => new(record, where, null, null, null, new TableRowError(column, problem));
        if (!Utf8.IsValid(line))
        {
            Utf8.ToUtf16(line, new char[line.Length], out int valid, out _, replaceInvalidSequences: false);
            return Bad(null, $"the line is not valid UTF-8 (first bad byte at offset {valid} of the line); save the file as UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return Bad(null, $"the line is not valid JSON ({e.Message.Split(" LineNumber")[0].TrimEnd()})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Bad(null, $"the line is a JSON {root.ValueKind.ToString().ToLowerInvariant()}; each line must be one JSON object");

            TableRowError? error = null;
            string? String(string? key, bool integerAllowed)
            {
                if (key is null || !root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return null;
                if (value.ValueKind == JsonValueKind.String) return value.GetString();
                if (integerAllowed && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n)) return TableCells.Label(n).Text;
                error ??= new TableRowError(key, $"is a JSON {value.ValueKind.ToString().ToLowerInvariant()} ({Clip(value.GetRawText())}); expected a string{(integerAllowed ? " or an integer" : "")}");
                return null;
            }

            var text = String(columns.Text, integerAllowed: false);
            var label = String(columns.Label, integerAllowed: true);
            var id = String(columns.Id, integerAllowed: true);
            return new TableRow(record, where, id, text, label is null ? null : TableCells.Label(label), error);
        }
    }

    static string Clip(string raw) => raw.Length <= 40 ? raw : raw[..40] + "...";
}
