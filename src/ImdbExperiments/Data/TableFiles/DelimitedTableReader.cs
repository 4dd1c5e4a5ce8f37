using System.Runtime.CompilerServices;

namespace ImdbExperiments.Data.TableFiles;

/// <summary>
/// CSV (RFC 4180) and TSV with a header row, streamed: quoted fields may hold the delimiter, newlines and doubled
/// quotes; CRLF or LF ends a record; a leading UTF-8 BOM is skipped; blank lines are not records (as pandas reads them).
/// Bytes are parsed, not characters, so a cell that is not UTF-8 is reported with its row and column.
/// </summary>
internal static class DelimitedTableReader
{
    const int MaxFields = 10_000;

    public static async IAsyncEnumerable<TableRow> ReadAsync(
        string path, byte delimiter, TableColumns columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var parser = new Parser(stream, path, delimiter);
        var header = await parser.NextAsync(cancellationToken)
            ?? throw new TableFileException(path, $"{path} is empty; expected a header row naming the columns ({columns.Text}, {columns.Label}).");
        if (header.Malformed is { } headerProblem)
            throw new TableFileException(path, $"{path} line {header.Line} (the header): {headerProblem}.");
        var names = new string[header.Fields.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = TableCells.Decode(header.Fields[i], out var problem)
                ?? throw new TableFileException(path, $"{path} line {header.Line} (the header), column {i + 1}: {problem}.");
        }

        int text = Index(path, names, columns.Text, "data.text_column");
        int label = Index(path, names, columns.Label, "data.label_column");
        int id = columns.Id is null ? -1 : Index(path, names, columns.Id, "data.id_column");

        long record = 0;
        while (await parser.NextAsync(cancellationToken) is { } row)
        {
            record++;
            var where = $"line {row.Line}";
            if (row.Malformed is { } malformed)
            {
                yield return new TableRow(record, where, null, null, null, new TableRowError(null, malformed));
                continue;
            }

            if (row.Fields.Count != names.Length)
            {
                yield return new TableRow(record, where, null, null, null,
                    new TableRowError(null, $"the row has {row.Fields.Count} fields, the header has {names.Length}"));
                continue;
            }

            TableRowError? error = null;
            string? Cell(int index, string column)
            {
                if (index < 0 || row.Fields[index].Length == 0) return null;
                var value = TableCells.Decode(row.Fields[index], out var problem);
                if (problem is not null) error ??= new TableRowError(column, problem);
                return value;
            }

            var textValue = Cell(text, columns.Text);
            var labelValue = Cell(label, columns.Label);
            var idValue = Cell(id, columns.Id ?? "");
            yield return new TableRow(record, where, idValue, textValue, labelValue is null ? null : TableCells.Label(labelValue), error);
        }
    }

    static int Index(string path, string[] names, string column, string key)
    {
        int index = Array.IndexOf(names, column);
        if (index < 0)
            throw new TableFileException(path, $"{path}: the header has no column '{column}' ({key}); its columns are {string.Join(", ", names.Take(20).Select(n => $"'{n}'"))}{(names.Length > 20 ? ", ..." : "")}.");
        if (Array.IndexOf(names, column, index + 1) >= 0)
            throw new TableFileException(path, $"{path}: the header names column '{column}' ({key}) more than once; column names must be unique.");
        return index;
    }

    /// <summary>One record: its fields' bytes, the line it starts on, and what is malformed about it, if anything.</summary>
    sealed record Record(List<byte[]> Fields, long Line, string? Malformed);

    /// <summary>A byte state machine over a buffered stream; a record ends at a newline outside quotes.</summary>
    sealed class Parser(Stream stream, string path, byte delimiter)
    {
        readonly byte[] buffer = new byte[1 << 16];
        readonly MemoryStream field = new();
        int position, length;
        long line = 1;
        bool started, atEnd;

        async ValueTask<int> NextByteAsync(CancellationToken cancellationToken)
        {
            if (position == length)
            {
                if (atEnd) return -1;
                cancellationToken.ThrowIfCancellationRequested();
                length = await stream.ReadAsync(buffer, cancellationToken);
                position = 0;
                if (length == 0) { atEnd = true; return -1; }
                if (!started)
                {
                    started = true;
                    if (length >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) position = 3;
                    if (position == length) return await NextByteAsync(cancellationToken);
                }
            }

            return buffer[position++];
        }

        /// <summary>The next byte without consuming it; refilling is safe because the buffer is used up.</summary>
        async ValueTask<int> PeekAsync(CancellationToken cancellationToken)
        {
            int b = await NextByteAsync(cancellationToken);
            if (b != -1) position--;
            return b;
        }

        public async ValueTask<Record?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                var fields = new List<byte[]>();
                long start = line;
                string? malformed = null;
                bool quoted = false, closed = false, wasQuoted = false;
                field.SetLength(0);
                int b = await NextByteAsync(cancellationToken);
                if (b == -1) return null;
                while (true)
                {
                    if (b == -1)
                    {
                        if (quoted)
                            throw new TableFileException(path, $"{path} line {start}, field {fields.Count + 1}: a quoted field opened here is never closed (unbalanced '\"'); the file ends inside it.");
                        break;
                    }

                    if (quoted)
                    {
                        if (b == '"')
                        {
                            if (await PeekAsync(cancellationToken) == '"') { await NextByteAsync(cancellationToken); Append(b, start, fields.Count); }
                            else { quoted = false; closed = true; }
                        }
                        else
                        {
                            if (b == '\n') line++;
                            Append(b, start, fields.Count);
                        }
                    }
                    else if (b == delimiter)
                    {
                        EndField(fields, start);
                        closed = wasQuoted = false;
                    }
                    else if (b is '\n' or '\r')
                    {
                        if (b == '\r' && await PeekAsync(cancellationToken) == '\n') await NextByteAsync(cancellationToken);
                        line++;
                        break;
                    }
                    else if (b == '"' && field.Length == 0 && !closed && !wasQuoted)
                    {
                        quoted = wasQuoted = true;
                    }
                    else if (closed || b == '"')
                    {
                        malformed ??= closed
                            ? $"field {fields.Count + 1} has text after its closing quote; a quote inside a quoted field is written \"\""
                            : $"field {fields.Count + 1} has a quote inside an unquoted field; quote the whole field and double the quote";
                        Append(b, start, fields.Count);
                    }
                    else
                    {
                        Append(b, start, fields.Count);
                    }

                    b = await NextByteAsync(cancellationToken);
                }

                EndField(fields, start);
                if (fields.Count == 1 && fields[0].Length == 0 && !wasQuoted && malformed is null) continue; // a blank line
                return new Record(fields, start, malformed);
            }
        }

        void Append(int b, long start, int index)
        {
            if (field.Length >= TableCells.MaxCellBytes)
                throw new TableFileException(path, $"{path} line {start}, field {index + 1}: the field is longer than {TableCells.MaxCellBytes} bytes; an unbalanced quote may have swallowed the rest of the file.");
            field.WriteByte((byte)b);
        }

        void EndField(List<byte[]> fields, long start)
        {
            if (fields.Count >= MaxFields)
                throw new TableFileException(path, $"{path} line {start}: more than {MaxFields} fields in one record.");
            fields.Add(field.ToArray());
            field.SetLength(0);
        }
    }
}
