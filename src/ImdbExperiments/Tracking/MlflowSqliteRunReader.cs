using System.Globalization;
using ImdbExperiments.Tracking;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tracking;

/// <summary>
/// Reads the runs of one experiment from an MLflow SQLite database as MLflow's SqlAlchemyStore does: the active experiment
/// by name (default workspace), its active runs with params and tags, each metric's history from metrics (is_nan rows as
/// NaN) and its latest value from latest_metrics. Opens the file read-only: reading never creates or changes a database.
/// </summary>
internal static class MlflowSqliteRunReader
{
    public static IReadOnlyList<RunRecord> Read(string databasePath, string experimentName, CancellationToken cancellationToken)
    {
        if (!File.Exists(databasePath))
        {
            throw new TrackingException($"The MLflow database '{databasePath}' does not exist: no run has been tracked there yet (or set tracking.uri / MLFLOW_TRACKING_URI to where they are).", "RESOURCE_DOES_NOT_EXIST");
        }

        if (!MlflowSqliteSchema.IsEmptyOrSqliteFile(databasePath))
        {
            throw new TrackingException($"'{databasePath}' is not an SQLite database (its first bytes are not 'SQLite format 3').", "INVALID_PARAMETER_VALUE");
        }

        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, DefaultTimeout = 20 }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            // One read transaction: a trial that writes meanwhile cannot tear a run in half.
            using var transaction = connection.BeginTransaction(deferred: true);
            var experimentId = ExperimentId(connection, transaction, databasePath, experimentName);
            var runs = new List<RunRecord>();
            using var command = Command(connection, transaction,
                "SELECT run_uuid, name, status, start_time, end_time FROM runs WHERE experiment_id = $experiment AND lifecycle_stage = 'active'",
                ("$experiment", experimentId));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var runId = reader.GetString(0);
                var tags = Pairs(connection, transaction, "SELECT key, value FROM tags WHERE run_uuid = $run", runId);
                var latest = Latest(connection, transaction, runId);
                var histories = latest.Keys.ToDictionary(key => key, key => (IReadOnlyList<Metric>)RunHistories.Ordered(MlflowSqliteStore.MetricHistory(connection, transaction, runId, key)), StringComparer.Ordinal);
                runs.Add(new RunRecord
                {
                    RunId = runId,
                    ExperimentId = experimentId.ToString(CultureInfo.InvariantCulture),
                    Name = !reader.IsDBNull(1) && reader.GetString(1).Length > 0 ? reader.GetString(1) : tags.GetValueOrDefault(TrackingTags.RunName) ?? runId,
                    Status = MlflowSqliteStore.ParseStatus(reader.IsDBNull(2) ? null : reader.GetString(2)),
                    StartTime = DateTimeOffset.FromUnixTimeMilliseconds(reader.IsDBNull(3) ? 0 : reader.GetInt64(3)),
                    EndTime = reader.IsDBNull(4) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    Params = Pairs(connection, transaction, "SELECT key, value FROM params WHERE run_uuid = $run", runId),
                    Tags = tags,
                    Metrics = latest,
                    MetricHistories = histories,
                    ModelOutputs = ModelOutputs(connection, transaction, runId),
                });
            }

            return [.. runs.OrderBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal)];
        }
        catch (SqliteException exception)
        {
            throw new TrackingException($"Could not read the MLflow database '{databasePath}': {exception.Message}", "INTERNAL_ERROR", isTransient: exception.SqliteErrorCode is 5 or 6, innerException: exception);
        }
    }

    private static long ExperimentId(SqliteConnection connection, SqliteTransaction transaction, string databasePath, string experimentName)
    {
        using var command = Command(connection, transaction,
            "SELECT experiment_id, name FROM experiments WHERE lifecycle_stage = 'active' AND workspace = 'default' ORDER BY experiment_id");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            if (reader.GetString(1) == experimentName)
            {
                return reader.GetInt64(0);
            }

            names.Add(reader.GetString(1));
        }

        throw new TrackingException($"The MLflow database '{databasePath}' has no experiment named '{experimentName}'; it has: {string.Join(", ", names.Order(StringComparer.Ordinal).Select(n => $"'{n}'"))}.", "RESOURCE_DOES_NOT_EXIST");
    }

    private static Dictionary<string, double> Latest(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction, "SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = $run", ("$run", runId));
        using var reader = command.ExecuteReader();
        var latest = new Dictionary<string, double>(StringComparer.Ordinal);
        while (reader.Read())
        {
            latest[reader.GetString(0)] = reader.GetInt64(2) != 0 ? double.NaN : reader.GetDouble(1);
        }

        return latest;
    }

    // sqlalchemy_store.py _get_model_outputs: the inputs rows RUN_OUTPUT (run) -> MODEL_OUTPUT (model), with their step.
    private static List<LoggedModelOutput> ModelOutputs(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var command = Command(connection, transaction,
            "SELECT destination_id, step FROM inputs WHERE source_type = 'RUN_OUTPUT' AND source_id = $run AND destination_type = 'MODEL_OUTPUT' ORDER BY destination_id",
            ("$run", runId));
        using var reader = command.ExecuteReader();
        var outputs = new List<LoggedModelOutput>();
        while (reader.Read())
        {
            outputs.Add(new LoggedModelOutput(reader.GetString(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1)));
        }

        return outputs;
    }

    private static Dictionary<string, string> Pairs(SqliteConnection connection, SqliteTransaction transaction, string sql, string runId)
    {
        using var command = Command(connection, transaction, sql, ("$run", runId));
        using var reader = command.ExecuteReader();
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            pairs[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        }

        return pairs;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
