using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// A database's schema as SQLite reports it, one line per fact: each column (type, NOT NULL, default, primary-key
/// position, generated), each index (unique, origin, columns), each foreign key (columns, target, ON UPDATE / ON DELETE)
/// and each CHECK constraint. Two databases with equal snapshots have the same tables, columns, indexes and constraints.
/// </summary>
static partial class SqliteSchemaSnapshot
{
    public static SortedSet<string> Of(SqliteConnection connection)
    {
        var facts = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (table, sql) in Rows(connection, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"))
        {
            facts.Add($"table {table}");
            foreach (var column in Rows(connection, $"SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo('{table}')", 6))
                facts.Add($"column {table}.{column[0]} type={column[1]} notnull={column[2]} default={column[3]} pk={column[4]} hidden={column[5]}");
            foreach (var index in Rows(connection, $"SELECT name, \"unique\", origin FROM pragma_index_list('{table}')", 3))
            {
                var columns = Rows(connection, $"SELECT name FROM pragma_index_info('{index[0]}') ORDER BY seqno", 1).Select(c => c[0]);
                // Autoindexes get numbered names in creation order; what they index is what matters.
                var name = index[0]!.StartsWith("sqlite_autoindex_", StringComparison.Ordinal) ? "(auto)" : index[0];
                facts.Add($"index {table}.{name} unique={index[1]} origin={index[2]} columns=({string.Join(", ", columns)})");
            }
            foreach (var key in Rows(connection, $"SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list('{table}') ORDER BY id, seq", 7)
                         .GroupBy(row => row[0]))
            {
                var first = key.First();
                facts.Add($"foreign key {table}({string.Join(", ", key.Select(r => r[3]))}) -> {first[2]}({string.Join(", ", key.Select(r => r[4]))}) on update {first[5]} on delete {first[6]}");
            }
            foreach (Match check in CheckPattern().Matches(sql ?? ""))
                facts.Add($"check {table} {Regex.Replace(check.Value, @"\s+", " ")}");
            // Constraint names live only in the CREATE TABLE text (MLflow's migrations drop and recreate by name).
            foreach (Match constraint in ConstraintNamePattern().Matches(sql ?? ""))
                facts.Add($"constraint {table}.{constraint.Groups[1].Value} {constraint.Groups[2].Value}");
        }
        return facts;
    }

    /// <summary>Runs the statements of a dump in MLflow's latest_schema.sql format (one per block, no semicolons).</summary>
    public static void Load(SqliteConnection connection, string dump)
    {
        var statement = new List<string>();
        void Flush()
        {
            if (statement.Count == 0)
                return;
            using var command = connection.CreateCommand();
            command.CommandText = string.Join('\n', statement);
            command.ExecuteNonQuery();
            statement.Clear();
        }
        foreach (var line in dump.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.StartsWith("--", StringComparison.Ordinal) || line.Length == 0)
                continue;
            if (line.StartsWith("CREATE ", StringComparison.Ordinal))
                Flush();
            statement.Add(line);
        }
        Flush();
    }

    private static IEnumerable<(string Name, string? Sql)> Rows(SqliteConnection connection, string sql) =>
        Rows(connection, sql, 2).Select(row => (row[0]!, row[1]));

    private static List<string?[]> Rows(SqliteConnection connection, string sql, int width)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string?[]>();
        while (reader.Read())
            rows.Add(Enumerable.Range(0, width).Select(i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        return rows;
    }

    // CHECK (...) with one level of nested parentheses, as MLflow's constraints have.
    [GeneratedRegex(@"(?:CONSTRAINT \w+ )?CHECK \((?:[^()]|\([^()]*\))*\)")]
    private static partial Regex CheckPattern();

    [GeneratedRegex(@"CONSTRAINT (\w+) (PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK)")]
    private static partial Regex ConstraintNamePattern();
}
