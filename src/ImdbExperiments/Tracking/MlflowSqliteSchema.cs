using System.Text;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tracking;

/// <summary>
/// The MLflow release whose SQL schema <see cref="MlflowSqliteStore"/> creates, and the check made once when it opens a
/// database someone else created. The DDL (MlflowSqliteSchema.sql, embedded) is the schema MLflow's SqlAlchemyStore has
/// at that release after mlflow/store/db/utils.py _initialize_tables (the 0.9.1 tables, then alembic upgrade heads).
/// </summary>
public static class MlflowSqliteSchema
{
    /// <summary>The MLflow release the schema is pinned to: it and every later release open the database.</summary>
    public const string MlflowRelease = "3.10.0";

    /// <summary>
    /// alembic's head at MLflow's v3.10.0: 1b5f0d9ad7c1 "Add workspace columns and catalog table". Every migration that
    /// names it as down_revision (9eae7ec868c3, 138e9eb975d4, e1f2a3b4c5d6) is dated after the 3.10.0 release.
    /// </summary>
    public const string Revision = "1b5f0d9ad7c1";

    /// <summary>The table that <see cref="Revision"/> creates: a database without it predates MLflow 3.10.0.</summary>
    internal const string RevisionMarkerTable = "workspaces";

    /// <summary>Every table and column this project writes or reads: what a newer MLflow must still have.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> UsedColumns = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["alembic_version"] = ["version_num"],
        ["experiments"] = ["experiment_id", "name", "artifact_location", "lifecycle_stage", "creation_time", "last_update_time", "workspace"],
        ["experiment_tags"] = ["key", "value", "experiment_id"],
        ["runs"] = ["run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id", "status", "start_time", "end_time",
            "source_version", "lifecycle_stage", "artifact_uri", "experiment_id", "deleted_time"],
        ["params"] = ["key", "value", "run_uuid"],
        ["tags"] = ["key", "value", "run_uuid"],
        ["metrics"] = ["key", "value", "timestamp", "run_uuid", "step", "is_nan"],
        ["latest_metrics"] = ["key", "value", "timestamp", "step", "is_nan", "run_uuid"],
        ["datasets"] = ["dataset_uuid", "experiment_id", "name", "digest", "dataset_source_type", "dataset_source", "dataset_schema", "dataset_profile"],
        ["inputs"] = ["input_uuid", "source_type", "source_id", "destination_type", "destination_id", "step"],
        ["input_tags"] = ["input_uuid", "name", "value"],
        ["logged_models"] = ["model_id", "experiment_id", "name", "artifact_location", "creation_timestamp_ms", "last_updated_timestamp_ms",
            "status", "lifecycle_stage", "model_type", "source_run_id", "status_message"],
        ["logged_model_params"] = ["model_id", "experiment_id", "param_key", "param_value"],
        ["logged_model_tags"] = ["model_id", "experiment_id", "tag_key", "tag_value"],
        ["logged_model_metrics"] = ["model_id", "metric_name", "metric_timestamp_ms", "metric_step", "metric_value", "experiment_id", "run_id",
            "dataset_uuid", "dataset_name", "dataset_digest"],
    };

    private static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <summary>The DDL, one statement per ';'.</summary>
    internal static string Ddl { get; } = ReadDdl();

    /// <summary>True when the file is empty or starts with SQLite's header; false for any other file.</summary>
    internal static bool IsEmptyOrSqliteFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length == 0)
            return true;
        var header = new byte[SqliteHeader.Length];
        return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.AsSpan().SequenceEqual(SqliteHeader);
    }

    /// <summary>
    /// Throws unless the project can write to this database: MLflow 3.10.0's revision, or a later one that still has every
    /// table and column in <see cref="UsedColumns"/>. An older schema is refused: MLflow must upgrade it first.
    /// </summary>
    internal static void Verify(SqliteConnection connection, SqliteTransaction transaction, string databasePath)
    {
        var tables = TableNames(connection, transaction);
        if (!tables.Contains("alembic_version"))
            throw new TrackingException($"'{databasePath}' is an SQLite database but not MLflow's: it has no alembic_version table. Choose another file for tracking.uri.", "INVALID_STATE");
        var revision = Scalar(connection, transaction, "SELECT version_num FROM alembic_version LIMIT 1") as string;
        if (revision == Revision)
            return;
        var upgrade = $"mlflow db upgrade {MlflowSqliteUri.FromPath(databasePath)}";
        if (revision is null || !tables.Contains(RevisionMarkerTable))
            throw new TrackingException(
                $"'{databasePath}' has MLflow schema revision {revision ?? "(none)"}, older than {Revision} (MLflow {MlflowRelease}) that this project writes; " +
                $"upgrade it with MLflow {MlflowRelease} or later ({upgrade}), or choose another file.", "INVALID_STATE");
        foreach (var (table, columns) in UsedColumns)
        {
            var present = tables.Contains(table) ? ColumnNames(connection, transaction, table) : [];
            if (columns.FirstOrDefault(column => !present.Contains(column)) is { } missing)
                throw new TrackingException(
                    $"'{databasePath}' has MLflow schema revision {revision}, newer than {Revision} (MLflow {MlflowRelease}), and it lacks {table}.{missing}, " +
                    "which this project writes; track into another file or use an MLflow server (http://).", "INVALID_STATE");
        }
    }

    internal static HashSet<string> TableNames(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
            names.Add(reader.GetString(0));
        return names;
    }

    private static HashSet<string> ColumnNames(SqliteConnection connection, SqliteTransaction transaction, string table)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM pragma_table_xinfo($table)";
        command.Parameters.AddWithValue("$table", table);
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
            names.Add(reader.GetString(0));
        return names;
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static string ReadDdl()
    {
        using var stream = typeof(MlflowSqliteSchema).Assembly.GetManifestResourceStream("ImdbExperiments.Tracking.MlflowSqliteSchema.sql")
            ?? throw new InvalidOperationException("The embedded resource ImdbExperiments.Tracking.MlflowSqliteSchema.sql is missing from the build.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
