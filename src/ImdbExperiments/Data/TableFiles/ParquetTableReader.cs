using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace ImdbExperiments.Data.TableFiles;

/// <summary>
/// Parquet through Parquet.Net, one row group at a time (a row group is the unit Parquet compresses, so that is
/// the bound on memory); only the named columns are read. Parquet.Net decodes the UTF-8 strings.
/// </summary>
internal static class ParquetTableReader
{
    /// <summary>Row groups are bounded so a hostile footer cannot make us allocate without limit.</summary>
    const long MaxRowsPerGroup = 10_000_000;

    public static async IAsyncEnumerable<TableRow> ReadAsync(
        string path, TableColumns columns, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess | FileOptions.Asynchronous);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TableFileException(path, $"{path} is not a readable Parquet file ({e.Message}).", e);
        }

        await using (reader)
        {
            var fields = reader.Schema.GetDataFields();
            var text = Field(path, fields, columns.Text, "data.text_column", integerAllowed: false);
            var label = Field(path, fields, columns.Label, "data.label_column", integerAllowed: true);
            var id = columns.Id is null ? null : Field(path, fields, columns.Id, "data.id_column", integerAllowed: true);
            long record = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                if (group.RowCount is < 0 or > MaxRowsPerGroup)
                    throw new TableFileException(path, $"{path}: row group {g + 1} claims {group.RowCount} rows; at most {MaxRowsPerGroup} per row group are read.");
                int rows = checked((int)group.RowCount);
                Column texts, labels, ids;
                try
                {
                    texts = await ReadAsync(group, text, rows, cancellationToken);
                    labels = await ReadAsync(group, label, rows, cancellationToken);
                    ids = id is null ? Column.Empty : await ReadAsync(group, id, rows, cancellationToken);
                }
                catch (Exception e) when (e is not (OperationCanceledException or TableFileException))
                {
                    throw new TableFileException(path, $"{path}: row group {g + 1} cannot be read ({e.Message}); the file is truncated or corrupt.", e);
                }

                for (int r = 0; r < rows; r++)
                {
                    record++;
                    string? Value(Column column, int index)
                    {
                        if (column.Integers is { } integers) return integers[index] is { } n ? TableCells.Label(n).Text : null;
                        return column.Strings is { } strings && strings[index] is { Length: > 0 } value ? value : null;
                    }

                    var textValue = Value(texts, r);
                    var labelValue = Value(labels, r);
                    var idValue = id is null ? null : Value(ids, r);
                    yield return new TableRow(record, $"row {record}", idValue, textValue,
                        labelValue is null ? null : TableCells.Label(labelValue), null);
                }
            }
        }
    }

    static DataField Field(string path, DataField[] fields, string name, string key, bool integerAllowed)
    {
        var field = fields.FirstOrDefault(f => f.Name == name && f.Path.ToList().Count == 1)
            ?? throw new TableFileException(path, $"{path}: no top-level column '{name}' ({key}); its columns are {string.Join(", ", fields.Take(20).Select(f => $"'{f.Path}'"))}.");
        bool integer = field.ClrType == typeof(int) || field.ClrType == typeof(long);
        if (field.IsArray || !(IsText(field) || (integerAllowed && integer)))
            throw new TableFileException(path, $"{path}: column '{name}' ({key}) holds {(field.IsArray ? "lists" : field.ClrType.Name)}; expected {(integerAllowed ? "strings or 32/64-bit integers" : "strings")}.");
        return field;
    }

    /// <summary>Parquet.Net 6 surfaces a UTF-8 column as ReadOnlyMemory&lt;char&gt; (older files and writers: string).</summary>
    static bool IsText(DataField field) => field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);

    sealed record Column(string?[]? Strings, long?[]? Integers)
    {
        public static Column Empty { get; } = new(null, null);
    }

    static async Task<Column> ReadAsync(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        if (IsText(field))
        {
            var strings = new string?[rows];
            await group.ReadAsync(field, strings.AsMemory()!, null, cancellationToken);
            return new Column(strings, null);
        }

        var integers = new long?[rows];
        if (field.ClrType == typeof(long))
        {
            if (field.IsNullable) await group.ReadAsync<long>(field, integers.AsMemory(), null, cancellationToken);
            else
            {
                var values = new long[rows];
                await group.ReadAsync<long>(field, values.AsMemory(), null, cancellationToken);
                for (int i = 0; i < rows; i++) integers[i] = values[i];
            }
        }
        else if (field.IsNullable)
        {
            var values = new int?[rows];
            await group.ReadAsync<int>(field, values.AsMemory(), null, cancellationToken);
            for (int i = 0; i < rows; i++) integers[i] = values[i];
        }
        else
        {
            var values = new int[rows];
            await group.ReadAsync<int>(field, values.AsMemory(), null, cancellationToken);
            for (int i = 0; i < rows; i++) integers[i] = values[i];
        }

        return new Column(null, integers);
    }
}
