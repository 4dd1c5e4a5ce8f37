using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tracking;

/// <summary>
/// MLflow's SQL store on an SQLite file (<c>sqlite:///mlflow.db</c>, MLflow's default backend since 3.7), written row for
/// row as mlflow/store/tracking/sqlalchemy_store.py writes it, in the schema of MLflow <see cref="MlflowSqliteSchema.MlflowRelease"/>,
/// so that <c>mlflow ui</c> in the same folder shows the runs with no flags:
/// <code>
/// experiments      id 0 "Default", then SQLite's next rowid; artifact_location = &lt;artifact root&gt;/&lt;id&gt;
/// runs             run_uuid = uuid4 hex; status RUNNING/FINISHED/FAILED/KILLED; artifact_uri = &lt;artifact_location&gt;/&lt;run&gt;/artifacts
/// params, tags     one row per key (a changed param is refused; a tag is overwritten)
/// metrics          every point; NaN stored as value 0 with is_nan 1, ±inf as ±1.7976931348623157e308
/// latest_metrics   per key the point with the largest (step, timestamp, value)
/// datasets, inputs, input_tags   one dataset per (experiment, name, digest); one input per (dataset, run)
/// </code>
/// The artifact root is the <c>mlruns</c> folder beside the database: for <c>sqlite:///mlflow.db</c> that is the
/// <c>./mlruns</c> MLflow's Python client uses (DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH, resolved against the current folder).
/// Safe for several processes and a reading <c>mlflow ui</c>: WAL journal, every write in one BEGIN IMMEDIATE
/// transaction, MLflow's busy timeout (20 s) and retries of SQLITE_BUSY.
/// </summary>
public sealed class MlflowSqliteStore : ITrackingBackend
{
    public const string DefaultExperimentId = "0";
    public const string DefaultExperimentName = "Default";

    /// <summary>Proto LoggedModelStatus numbers, as logged_models.status stores them (LoggedModelStatus.to_int()).</summary>
    internal enum LoggedModelStatus
    {
        Pending = 1,
        Ready = 2,
        UploadFailed = 3,
    }

    internal sealed record LoggedModelRow(string ModelId, string ExperimentId, string Name, string ArtifactLocation, LoggedModelStatus Status);

    // MLflow's PRAGMA busy_timeout (mlflow/store/db/utils.py _get_managed_session_maker).
    private const int BusyTimeoutMs = 20_000;
    private const int MaxAttempts = 6;
    // SQL cannot hold ±inf: MLflow's sanitize_metric_value stores the largest finite doubles instead.
    private const double LargestDouble = 1.7976931348623157e308;

    private readonly string _connectionString;

    /// <summary>Opens the database (creating it, with MLflow's schema and its Default experiment, when the file is new).</summary>
    /// <exception cref="TrackingException">The file is not an SQLite database, or its schema is one this project cannot write.</exception>
    public MlflowSqliteStore(string databasePath, string? artifactRoot = null)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        ArtifactRoot = Path.GetFullPath(artifactRoot ?? Path.Combine(Path.GetDirectoryName(DatabasePath)!, "mlruns"));
        if (Directory.Exists(DatabasePath))
            throw new TrackingException($"Tracking database '{DatabasePath}' is a folder; a sqlite: tracking URI names a database file.", "INVALID_PARAMETER_VALUE");
        if (File.Exists(DatabasePath) && !MlflowSqliteSchema.IsEmptyOrSqliteFile(DatabasePath))
            throw new TrackingException($"Tracking database '{DatabasePath}' is not an SQLite database (its first bytes are not 'SQLite format 3'); choose another file for tracking.uri.", "INVALID_PARAMETER_VALUE");
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = BusyTimeoutMs / 1000,
            Pooling = true,
        }.ToString();
        Initialize();
    }

    public string DatabasePath { get; }

    /// <summary>Where new experiments keep their artifacts (a local folder).</summary>
    public string ArtifactRoot { get; }

    public string DisplayUri => MlflowSqliteUri.FromPath(DatabasePath);

    public Task<string> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MlflowLimits.MaxExperimentNameLength)
            throw Invalid($"Experiment name '{name}' is not valid: it must have 1 to {MlflowLimits.MaxExperimentNameLength} characters.");
        return Task.FromResult(Write(cancellationToken, (connection, transaction) =>
        {
            using (var find = Command(connection, transaction, "SELECT experiment_id, lifecycle_stage FROM experiments WHERE name = $name AND workspace = 'default'", ("$name", name)))
            using (var reader = find.ExecuteReader())
            {
                if (reader.Read())
                {
                    var id = reader.GetInt64(0).ToString(CultureInfo.InvariantCulture);
                    if (!reader.IsDBNull(1) && reader.GetString(1) != "active")
                        throw new TrackingException(
                            $"Experiment '{name}' exists in deleted state in '{DatabasePath}' (id {id}). Restore it (mlflow experiments restore --experiment-id {id}) " +
                            "or remove it for good (mlflow gc) to use this name again.", "RESOURCE_ALREADY_EXISTS");
                    return id;
                }
            }
            var now = NowMs();
            // The double write of create_experiment: the rowid first, then the artifact location built from it.
            Execute(connection, transaction,
                "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES ($name, NULL, 'active', $now, $now)",
                ("$name", name), ("$now", now));
            var experimentId = (long)Command(connection, transaction, "SELECT last_insert_rowid()").ExecuteScalar()!;
            Execute(connection, transaction, "UPDATE experiments SET artifact_location = $location WHERE experiment_id = $id",
                ("$location", ExperimentArtifactLocation(experimentId)), ("$id", experimentId));
            return experimentId.ToString(CultureInfo.InvariantCulture);
        }));
    }

    public Task<RunInfo> CreateRunAsync(string experimentId, string runName, long startTimeMs, string userId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var experiment = ParseExperimentId(experimentId);
        return Task.FromResult(Write(cancellationToken, (connection, transaction) =>
        {
            var artifactLocation = ActiveExperimentArtifactLocation(connection, transaction, experiment);
            var runId = Guid.NewGuid().ToString("N");
            var info = new RunInfo(runId, experimentId, runName, AppendToUriPath(artifactLocation, runId, "artifacts"), RunStatus.Running, startTimeMs, null);
            // The columns create_run sets: source UNKNOWN with empty names, RUNNING, active.
            Execute(connection, transaction,
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) " +
                "VALUES ($run, $name, 'UNKNOWN', '', '', $user, 'RUNNING', $start, NULL, '', 'active', $artifacts, $experiment, NULL)",
                ("$run", runId), ("$name", runName), ("$user", userId), ("$start", startTimeMs), ("$artifacts", info.ArtifactUri), ("$experiment", experiment));
            var allTags = tags.Any(tag => tag.Key == TrackingTags.RunName) ? tags : [.. tags, new RunTag(TrackingTags.RunName, runName)];
            foreach (var tag in allTags)
                UpsertTag(connection, transaction, runId, tag);
            return info;
        }));
    }

    public Task<RunInfo?> FindRunByTagAsync(string experimentId, string tagKey, string tagValue, CancellationToken cancellationToken = default)
    {
        var experiment = ParseExperimentId(experimentId);
        return Task.FromResult(Write<RunInfo?>(cancellationToken, (connection, transaction) =>
        {
            ActiveExperimentArtifactLocation(connection, transaction, experiment);
            using var command = Command(connection, transaction,
                "SELECT r.run_uuid, r.experiment_id, r.name, r.artifact_uri, r.status, r.start_time, r.end_time FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid " +
                "WHERE r.experiment_id = $experiment AND r.lifecycle_stage = 'active' AND t.key = $key AND t.value = $value ORDER BY r.start_time, r.run_uuid LIMIT 1",
                ("$experiment", experiment), ("$key", tagKey), ("$value", tagValue));
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadRunInfo(reader) : null;
        }));
    }

    public Task<IReadOnlyList<RejectedEntity>> LogBatchAsync(string runId, IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        (metrics, parameters, tags, var rejected) = MlflowLimits.Partition(metrics, parameters, tags);
        var conflicts = Write(cancellationToken, (connection, transaction) =>
        {
            RequireActiveRun(connection, transaction, runId);
            var refused = new List<RejectedEntity>();
            foreach (var param in parameters)
            {
                if (InsertParam(connection, transaction, runId, param) is { } conflict)
                    refused.Add(conflict);
            }
            foreach (var metric in metrics)
            {
                cancellationToken.ThrowIfCancellationRequested();
                InsertMetric(connection, transaction, runId, metric);
            }
            foreach (var tag in tags)
            {
                UpsertTag(connection, transaction, runId, tag);
                if (tag.Key == TrackingTags.RunName)
                    Execute(connection, transaction, "UPDATE runs SET name = $name WHERE run_uuid = $run", ("$name", tag.Value), ("$run", runId));
            }
            return refused;
        });
        rejected.AddRange(conflicts);
        return Task.FromResult<IReadOnlyList<RejectedEntity>>(rejected);
    }

    /// <summary>As sqlalchemy_store.py's set_experiment_tag: one experiment_tags row per key, overwritten (an active experiment only).</summary>
    public Task SetExperimentTagAsync(string experimentId, RunTag tag, CancellationToken cancellationToken = default)
    {
        var experiment = ParseExperimentId(experimentId);
        Write(cancellationToken, (connection, transaction) =>
        {
            ActiveExperimentArtifactLocation(connection, transaction, experiment);
            Execute(connection, transaction,
                "INSERT INTO experiment_tags (key, value, experiment_id) VALUES ($key, $value, $experiment) " +
                "ON CONFLICT (key, experiment_id) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value",
                ("$key", tag.Key), ("$value", tag.Value), ("$experiment", experiment));
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task SetTagAsync(string runId, RunTag tag, CancellationToken cancellationToken = default) =>
        LogBatchAsync(runId, [], [], [tag], cancellationToken);

    public Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> datasets, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        foreach (var dataset in datasets)
            MlflowLimits.ValidateDataset(dataset);
        // log_inputs keeps the first of several inputs with one (name, digest).
        var unique = datasets.DistinctBy(dataset => (dataset.Name, dataset.Digest)).ToList();
        Write(cancellationToken, (connection, transaction) =>
        {
            var experiment = RequireActiveRun(connection, transaction, runId);
            foreach (var dataset in unique)
            {
                var datasetUuid = DatasetUuid(connection, transaction, experiment, dataset.Name, dataset.Digest);
                if (datasetUuid is null)
                {
                    datasetUuid = Guid.NewGuid().ToString("N");
                    Execute(connection, transaction,
                        "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) " +
                        "VALUES ($uuid, $experiment, $name, $digest, $sourceType, $source, $schema, $profile)",
                        ("$uuid", datasetUuid), ("$experiment", experiment), ("$name", dataset.Name), ("$digest", dataset.Digest),
                        ("$sourceType", dataset.SourceType), ("$source", dataset.Source), ("$schema", dataset.Schema), ("$profile", dataset.Profile));
                }
                using var find = Command(connection, transaction,
                    "SELECT 1 FROM inputs WHERE source_type = 'DATASET' AND source_id = $dataset AND destination_type = 'RUN' AND destination_id = $run",
                    ("$dataset", datasetUuid), ("$run", runId));
                if (find.ExecuteScalar() is not null)
                    continue;
                var inputUuid = Guid.NewGuid().ToString("N");
                Execute(connection, transaction,
                    "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES ($input, 'DATASET', $dataset, 'RUN', $run)",
                    ("$input", inputUuid), ("$dataset", datasetUuid), ("$run", runId));
                if (dataset.Context is not null)
                    Execute(connection, transaction, "INSERT INTO input_tags (input_uuid, name, value) VALUES ($input, $name, $value)",
                        ("$input", inputUuid), ("$name", TrackingTags.DatasetContext), ("$value", dataset.Context));
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Metric>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        return Task.FromResult<IReadOnlyList<Metric>>(Write(cancellationToken, (connection, transaction) =>
        {
            RequireRun(connection, transaction, runId);
            return MetricHistory(connection, transaction, runId, key);
        }));
    }

    public Task UpdateRunAsync(string runId, RunStatus status, long? endTimeMs, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        Write(cancellationToken, (connection, transaction) =>
        {
            RequireActiveRun(connection, transaction, runId);
            Execute(connection, transaction, "UPDATE runs SET status = $status, end_time = COALESCE($end, end_time) WHERE run_uuid = $run",
                ("$status", StatusName(status)), ("$end", endTimeMs), ("$run", runId));
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task LogArtifactAsync(RunInfo run, string localPath, string? artifactPath, CancellationToken cancellationToken = default)
    {
        var root = LocalArtifactPath(run.ArtifactUri)
            ?? throw new TrackingException($"Run {run.RunId} stores artifacts at '{run.ArtifactUri}', which is not a local folder; a sqlite: store can only write local artifacts.", "INVALID_PARAMETER_VALUE");
        var destination = Path.Combine(root, ArtifactPathToLocal(artifactPath));
        if (File.Exists(localPath))
        {
            CopyAtomically(localPath, Path.Combine(destination, Path.GetFileName(localPath)));
        }
        else if (Directory.Exists(localPath))
        {
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories))
            {
                cancellationToken.ThrowIfCancellationRequested();
                CopyAtomically(file, Path.Combine(destination, Path.GetRelativePath(localPath, file)));
            }
        }
        else
        {
            throw new TrackingException($"Artifact '{localPath}' does not exist (it must stay in place until the run is synced).", "RESOURCE_DOES_NOT_EXIST");
        }
        return Task.CompletedTask;
    }

    public Task<LoggedModelInfo> CreateLoggedModelAsync(string experimentId, string name, string sourceRunId, string? modelType, CancellationToken cancellationToken = default)
    {
        var row = CreateLoggedModel(experimentId, name, sourceRunId, modelType);
        return Task.FromResult(new LoggedModelInfo(row.ModelId, row.ExperimentId, row.Name, row.ArtifactLocation, sourceRunId));
    }

    public Task LogLoggedModelParamsAsync(string modelId, IReadOnlyList<Param> parameters, CancellationToken cancellationToken = default)
    {
        LogLoggedModelParams(modelId, parameters);
        return Task.CompletedTask;
    }

    public Task SetLoggedModelTagsAsync(string modelId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        SetLoggedModelTags(modelId, tags);
        return Task.CompletedTask;
    }

    public Task LogLoggedModelMetricsAsync(string runId, string modelId, IReadOnlyList<Metric> metrics, string? datasetName, string? datasetDigest, CancellationToken cancellationToken = default)
    {
        LogLoggedModelMetrics(modelId, runId, metrics, datasetName, datasetDigest);
        return Task.CompletedTask;
    }

    /// <summary>The folder's files under the model's local artifact location (hidden bookkeeping files stay behind).</summary>
    public Task LogLoggedModelArtifactsAsync(LoggedModelInfo model, string localFolder, CancellationToken cancellationToken = default)
    {
        var root = LocalArtifactPath(model.ArtifactUri)
            ?? throw new TrackingException($"Model {model.ModelId} stores artifacts at '{model.ArtifactUri}', which is not a local folder; a sqlite: store can only write local artifacts.", DeferredArtifacts.UnreachableErrorCode);
        foreach (var file in Directory.EnumerateFiles(localFolder, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Path.GetFileName(file).StartsWith('.'))
                CopyAtomically(file, Path.Combine(root, Path.GetRelativePath(localFolder, file)));
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// log_outputs as sqlalchemy_store.py writes it: one inputs row (RUN_OUTPUT, run, MODEL_OUTPUT, model, step) per model, for an
    /// active run. MLflow's IntegrityError on a row already there becomes "nothing to add", so a replay is harmless.
    /// </summary>
    public Task LogOutputsAsync(string runId, IReadOnlyList<LoggedModelOutput> models, CancellationToken cancellationToken = default)
    {
        ValidateRunId(runId);
        Write(cancellationToken, (connection, transaction) =>
        {
            RequireActiveRun(connection, transaction, runId);
            foreach (var model in models)
                Execute(connection, transaction,
                    "INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES ($input, 'RUN_OUTPUT', $run, 'MODEL_OUTPUT', $model, $step)",
                    ("$input", Guid.NewGuid().ToString("N")), ("$run", runId), ("$model", model.ModelId), ("$step", model.Step));
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task FinalizeLoggedModelAsync(string modelId, CancellationToken cancellationToken = default)
    {
        FinalizeLoggedModel(modelId, LoggedModelStatus.Ready);
        return Task.CompletedTask;
    }

    /// <summary>A LoggedModel in PENDING state, as create_logged_model writes it: id m-&lt;uuid4 hex&gt;, artifacts under &lt;experiment&gt;/models/&lt;id&gt;/artifacts.</summary>
    internal LoggedModelRow CreateLoggedModel(string experimentId, string name, string? sourceRunId = null, string? modelType = null,
        IReadOnlyList<Param>? parameters = null, IReadOnlyList<RunTag>? tags = null)
    {
        var experiment = ParseExperimentId(experimentId);
        if (string.IsNullOrEmpty(name) || name.Length > MlflowLimits.MaxDatasetNameLength)
            throw Invalid($"Logged model name '{name}' is not valid: it must have 1 to {MlflowLimits.MaxDatasetNameLength} characters.");
        if (sourceRunId is not null)
            ValidateRunId(sourceRunId);
        return Write(CancellationToken.None, (connection, transaction) =>
        {
            var artifactLocation = ActiveExperimentArtifactLocation(connection, transaction, experiment);
            var modelId = "m-" + Guid.NewGuid().ToString("N");
            var row = new LoggedModelRow(modelId, experimentId, name, AppendToUriPath(artifactLocation, "models", modelId, "artifacts"), LoggedModelStatus.Pending);
            var now = NowMs();
            Execute(connection, transaction,
                "INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message) " +
                "VALUES ($model, $experiment, $name, $location, $now, $now, $status, 'active', $type, $run, NULL)",
                ("$model", modelId), ("$experiment", experiment), ("$name", name), ("$location", row.ArtifactLocation), ("$now", now),
                ("$status", (int)LoggedModelStatus.Pending), ("$type", modelType), ("$run", sourceRunId));
            InsertLoggedModelParams(connection, transaction, modelId, experiment, parameters ?? []);
            UpsertLoggedModelTags(connection, transaction, modelId, experiment, tags ?? []);
            return row;
        });
    }

    /// <summary>Params of a logged model; logging the same value again changes nothing, another value is refused.</summary>
    internal void LogLoggedModelParams(string modelId, IReadOnlyList<Param> parameters) =>
        Write(CancellationToken.None, (connection, transaction) =>
        {
            InsertLoggedModelParams(connection, transaction, modelId, LoggedModelExperiment(connection, transaction, modelId), parameters);
            return 0;
        });

    /// <summary>Tags of a logged model, overwriting a tag's earlier value (set_logged_model_tags merges).</summary>
    internal void SetLoggedModelTags(string modelId, IReadOnlyList<RunTag> tags) =>
        Write(CancellationToken.None, (connection, transaction) =>
        {
            UpsertLoggedModelTags(connection, transaction, modelId, LoggedModelExperiment(connection, transaction, modelId), tags);
            return 0;
        });

    /// <summary>
    /// Metrics of a logged model from one run (log_metric with a model_id): the value sanitized as for run metrics, the
    /// dataset (when given) linked by its uuid in the run's experiment; a point already there is not added again.
    /// </summary>
    internal void LogLoggedModelMetrics(string modelId, string runId, IReadOnlyList<Metric> metrics, string? datasetName = null, string? datasetDigest = null)
    {
        ValidateRunId(runId);
        Write(CancellationToken.None, (connection, transaction) =>
        {
            var experiment = LoggedModelExperiment(connection, transaction, modelId);
            RequireActiveRun(connection, transaction, runId);
            var datasetUuid = datasetName is null || datasetDigest is null ? null : DatasetUuid(connection, transaction, experiment, datasetName, datasetDigest);
            var (valid, _, _, refused) = MlflowLimits.Partition(metrics, [], []);
            if (refused.Count > 0)
                throw Invalid(refused[0].Reason);
            foreach (var metric in valid)
            {
                Execute(connection, transaction,
                    "INSERT OR IGNORE INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest) " +
                    "VALUES ($model, $name, $timestamp, $step, $value, $experiment, $run, $datasetUuid, $datasetName, $datasetDigest)",
                    ("$model", modelId), ("$name", metric.Key), ("$timestamp", metric.TimestampMs), ("$step", metric.Step), ("$value", Sanitize(metric.Value).Value),
                    ("$experiment", experiment), ("$run", runId), ("$datasetUuid", datasetUuid), ("$datasetName", datasetName), ("$datasetDigest", datasetDigest));
            }
            return 0;
        });
    }

    /// <summary>finalize_logged_model: READY once its files are in place, UPLOAD_FAILED when they could not be.</summary>
    internal void FinalizeLoggedModel(string modelId, LoggedModelStatus status)
    {
        if (status is not (LoggedModelStatus.Ready or LoggedModelStatus.UploadFailed))
            throw Invalid($"A logged model is finalized as READY or UPLOAD_FAILED, not {status}.");
        Write(CancellationToken.None, (connection, transaction) =>
        {
            LoggedModelExperiment(connection, transaction, modelId);
            Execute(connection, transaction, "UPDATE logged_models SET status = $status, last_updated_timestamp_ms = $now WHERE model_id = $model",
                ("$status", (int)status), ("$now", NowMs()), ("$model", modelId));
            return 0;
        });
    }

    /// <summary>Closes the pooled connections, so that the file can be moved or deleted.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Opens a pooled connection with the per-session PRAGMAs of MLflow's ManagedSessionMaker.</summary>
    internal SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = $"PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA case_sensitive_like = true;";
        pragmas.ExecuteNonQuery();
        return connection;
    }

    internal static (bool IsNan, double Value) Sanitize(double value) =>
        double.IsNaN(value) ? (true, 0.0)
        : double.IsPositiveInfinity(value) ? (false, LargestDouble)
        : double.IsNegativeInfinity(value) ? (false, -LargestDouble)
        : (false, value);

    internal static string StatusName(RunStatus status) => status.ToString().ToUpperInvariant();

    internal static RunStatus ParseStatus(string? status) =>
        Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed) ? parsed : RunStatus.Running;

    internal static List<Metric> MetricHistory(SqliteConnection connection, SqliteTransaction? transaction, string runId, string key)
    {
        using var command = Command(connection, transaction,
            "SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = $run AND key = $key ORDER BY timestamp, step, value",
            ("$run", runId), ("$key", key));
        using var reader = command.ExecuteReader();
        var history = new List<Metric>();
        while (reader.Read())
            history.Add(new Metric(key, reader.GetInt64(3) != 0 ? double.NaN : reader.GetDouble(0), reader.GetInt64(1), reader.GetInt64(2)));
        return history;
    }

    private void Initialize()
    {
        Retry(() =>
        {
            using var connection = OpenConnection();
            // WAL lets mlflow ui read while trials write; MLflow itself leaves SQLite's default journal.
            using (var wal = connection.CreateCommand())
            {
                wal.CommandText = "PRAGMA journal_mode = WAL";
                wal.ExecuteScalar();
            }
            using var transaction = connection.BeginTransaction(deferred: false);
            var tables = MlflowSqliteSchema.TableNames(connection, transaction);
            if (tables.All(table => table.StartsWith("alembic_", StringComparison.Ordinal)))
            {
                foreach (var statement in MlflowSqliteSchema.Ddl.Split(';').Select(Uncomment).Where(s => s.Length > 0))
                    Execute(connection, transaction, statement);
                Execute(connection, transaction, "DELETE FROM alembic_version");
                Execute(connection, transaction, "INSERT INTO alembic_version (version_num) VALUES ($revision)", ("$revision", MlflowSqliteSchema.Revision));
                // MLflow's own workspace catalog row (the 1b5f0d9ad7c1 migration inserts it).
                Execute(connection, transaction, "INSERT INTO workspaces (name, description) VALUES ('default', 'Default workspace for legacy resources')");
            }
            else
            {
                MlflowSqliteSchema.Verify(connection, transaction, DatabasePath);
            }
            using (var find = Command(connection, transaction, "SELECT 1 FROM experiments WHERE experiment_id = 0"))
            {
                if (find.ExecuteScalar() is null)
                {
                    // _create_default_experiment: id 0, "Default", <artifact root>/0, active, both times now.
                    var now = NowMs();
                    Execute(connection, transaction,
                        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, $name, $location, 'active', $now, $now)",
                        ("$name", DefaultExperimentName), ("$location", ExperimentArtifactLocation(0)), ("$now", now));
                }
            }
            transaction.Commit();
            return 0;
        });
    }

    /// <summary>One write (or consistent read) in one BEGIN IMMEDIATE transaction, retried while another writer holds the lock.</summary>
    private T Write<T>(CancellationToken cancellationToken, Func<SqliteConnection, SqliteTransaction, T> work) =>
        Retry(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var connection = OpenConnection();
            using var transaction = connection.BeginTransaction(deferred: false);
            var result = work(connection, transaction);
            transaction.Commit();
            return result;
        }, cancellationToken);

    private T Retry<T>(Func<T> action, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (SqliteException exception) when (IsBusy(exception) && attempt < MaxAttempts)
            {
                // The busy timeout already waited; back off a little more, with jitter, before the whole transaction again.
                Task.Delay(TimeSpan.FromMilliseconds(50 * attempt + Random.Shared.Next(50)), cancellationToken).Wait(cancellationToken);
            }
            catch (SqliteException exception)
            {
                throw new TrackingException($"SQLite error on tracking database '{DatabasePath}': {exception.Message}",
                    IsBusy(exception) ? "RESOURCE_EXHAUSTED" : "INTERNAL_ERROR", isTransient: IsBusy(exception), innerException: exception);
            }
        }
    }

    private static bool IsBusy(SqliteException exception) => exception.SqliteErrorCode is 5 or 6;  // SQLITE_BUSY, SQLITE_LOCKED

    private static string Uncomment(string statement) =>
        string.Join('\n', statement.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();

    private RejectedEntity? InsertParam(SqliteConnection connection, SqliteTransaction transaction, string runId, Param param)
    {
        using (var find = Command(connection, transaction, "SELECT value FROM params WHERE run_uuid = $run AND key = $key", ("$run", runId), ("$key", param.Key)))
        {
            if (find.ExecuteScalar() is string current)
                return current == param.Value
                    ? null
                    : new RejectedEntity("param", param.Key,
                        $"{TrackingException.ParamChangeMessage}. Param with key='{param.Key}' was already logged with value='{current}' for run ID='{runId}'. Attempted logging new value '{param.Value}'.");
        }
        Execute(connection, transaction, "INSERT INTO params (key, value, run_uuid) VALUES ($key, $value, $run)", ("$key", param.Key), ("$value", param.Value), ("$run", runId));
        return null;
    }

    /// <summary>
    /// A metric row (a point already there is left alone: MLflow skips the rows its primary key rejects) and, when it is
    /// new, _update_latest_metrics_if_necessary: latest_metrics keeps the point with the largest (step, timestamp, value),
    /// compared on the stored value (NaN as 0).
    /// </summary>
    private static void InsertMetric(SqliteConnection connection, SqliteTransaction transaction, string runId, Metric metric)
    {
        var (isNan, value) = Sanitize(metric.Value);
        var inserted = Execute(connection, transaction,
            "INSERT OR IGNORE INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES ($key, $value, $timestamp, $run, $step, $nan)",
            ("$key", metric.Key), ("$value", value), ("$timestamp", metric.TimestampMs), ("$run", runId), ("$step", metric.Step), ("$nan", isNan ? 1 : 0));
        if (inserted == 0)
            return;
        using (var find = Command(connection, transaction, "SELECT step, timestamp, value FROM latest_metrics WHERE run_uuid = $run AND key = $key", ("$run", runId), ("$key", metric.Key)))
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                var latest = (Step: reader.GetInt64(0), Timestamp: reader.IsDBNull(1) ? long.MinValue : reader.GetInt64(1), Value: reader.GetDouble(2));
                if ((metric.Step, metric.TimestampMs, value).CompareTo((latest.Step, latest.Timestamp, latest.Value)) <= 0)
                    return;
                reader.Close();
                Execute(connection, transaction,
                    "UPDATE latest_metrics SET value = $value, timestamp = $timestamp, step = $step, is_nan = $nan WHERE run_uuid = $run AND key = $key",
                    ("$value", value), ("$timestamp", metric.TimestampMs), ("$step", metric.Step), ("$nan", isNan ? 1 : 0), ("$run", runId), ("$key", metric.Key));
                return;
            }
        }
        Execute(connection, transaction,
            "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES ($key, $value, $timestamp, $step, $nan, $run)",
            ("$key", metric.Key), ("$value", value), ("$timestamp", metric.TimestampMs), ("$step", metric.Step), ("$nan", isNan ? 1 : 0), ("$run", runId));
    }

    private static void UpsertTag(SqliteConnection connection, SqliteTransaction transaction, string runId, RunTag tag) =>
        Execute(connection, transaction,
            "INSERT INTO tags (key, value, run_uuid) VALUES ($key, $value, $run) ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value",
            ("$key", tag.Key), ("$value", tag.Value), ("$run", runId));

    private static void InsertLoggedModelParams(SqliteConnection connection, SqliteTransaction transaction, string modelId, long experiment, IReadOnlyList<Param> parameters)
    {
        foreach (var param in parameters)
        {
            using var find = Command(connection, transaction, "SELECT param_value FROM logged_model_params WHERE model_id = $model AND param_key = $key", ("$model", modelId), ("$key", param.Key));
            if (find.ExecuteScalar() is string current)
            {
                if (current != param.Value)
                    throw Invalid($"{TrackingException.ParamChangeMessage}. Param with key='{param.Key}' was already logged with value='{current}' for logged model '{modelId}'. Attempted logging new value '{param.Value}'.");
                continue;
            }
            Execute(connection, transaction, "INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES ($model, $experiment, $key, $value)",
                ("$model", modelId), ("$experiment", experiment), ("$key", param.Key), ("$value", param.Value));
        }
    }

    private static void UpsertLoggedModelTags(SqliteConnection connection, SqliteTransaction transaction, string modelId, long experiment, IReadOnlyList<RunTag> tags)
    {
        foreach (var tag in tags)
            Execute(connection, transaction,
                "INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES ($model, $experiment, $key, $value) " +
                "ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value WHERE tag_value IS NOT excluded.tag_value",
                ("$model", modelId), ("$experiment", experiment), ("$key", tag.Key), ("$value", tag.Value));
    }

    private long LoggedModelExperiment(SqliteConnection connection, SqliteTransaction transaction, string modelId)
    {
        using var find = Command(connection, transaction, "SELECT experiment_id, lifecycle_stage FROM logged_models WHERE model_id = $model", ("$model", modelId));
        using var reader = find.ExecuteReader();
        if (!reader.Read())
            throw new TrackingException($"Logged model '{modelId}' not found in '{DatabasePath}'.", "RESOURCE_DOES_NOT_EXIST", 404);
        if (!reader.IsDBNull(1) && reader.GetString(1) != "active")
            throw Invalid($"Logged model '{modelId}' must be in 'active' lifecycle_stage (it is '{reader.GetString(1)}').");
        return reader.GetInt64(0);
    }

    private static string? DatasetUuid(SqliteConnection connection, SqliteTransaction transaction, long experiment, string name, string digest)
    {
        using var find = Command(connection, transaction, "SELECT dataset_uuid FROM datasets WHERE experiment_id = $experiment AND name = $name AND digest = $digest",
            ("$experiment", experiment), ("$name", name), ("$digest", digest));
        return find.ExecuteScalar() as string;
    }

    private string ActiveExperimentArtifactLocation(SqliteConnection connection, SqliteTransaction transaction, long experiment)
    {
        using var find = Command(connection, transaction, "SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = $id", ("$id", experiment));
        using var reader = find.ExecuteReader();
        if (!reader.Read())
            throw new TrackingException($"Experiment '{experiment}' does not exist in '{DatabasePath}'.", "RESOURCE_DOES_NOT_EXIST", 404);
        if (!reader.IsDBNull(1) && reader.GetString(1) != "active")
            throw Invalid($"The experiment {experiment} must be in the 'active' state. Current state is {reader.GetString(1)}.");
        return reader.IsDBNull(0) ? ExperimentArtifactLocation(experiment) : reader.GetString(0);
    }

    private long RequireRun(SqliteConnection connection, SqliteTransaction transaction, string runId) => RunState(connection, transaction, runId).Experiment;

    private long RequireActiveRun(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        var (experiment, stage) = RunState(connection, transaction, runId);
        if (stage != "active")
            throw Invalid($"The run {runId} must be in the 'active' state. Current state is {stage}.");
        return experiment;
    }

    private (long Experiment, string Stage) RunState(SqliteConnection connection, SqliteTransaction transaction, string runId)
    {
        using var find = Command(connection, transaction, "SELECT experiment_id, lifecycle_stage FROM runs WHERE run_uuid = $run", ("$run", runId));
        using var reader = find.ExecuteReader();
        if (!reader.Read())
            throw new TrackingException($"Run with id={runId} not found in '{DatabasePath}'.", "RESOURCE_DOES_NOT_EXIST", 404);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? "active" : reader.GetString(1));
    }

    private static RunInfo ReadRunInfo(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1).ToString(CultureInfo.InvariantCulture),
        reader.IsDBNull(2) ? "" : reader.GetString(2),
        reader.IsDBNull(3) ? "" : reader.GetString(3),
        ParseStatus(reader.IsDBNull(4) ? null : reader.GetString(4)),
        reader.IsDBNull(5) ? 0 : reader.GetInt64(5),
        reader.IsDBNull(6) ? null : reader.GetInt64(6));

    /// <summary>append_to_uri_path(artifact root, id): a posix path on Linux and macOS, a file: URI on Windows, as resolve_uri_if_local makes it.</summary>
    private string ExperimentArtifactLocation(long experimentId) =>
        AppendToUriPath(OperatingSystem.IsWindows() ? MlflowFileStore.ToFileUri(ArtifactRoot) : ArtifactRoot.Replace('\\', '/'), experimentId.ToString(CultureInfo.InvariantCulture));

    private static string AppendToUriPath(string uri, params string[] parts) =>
        parts.Aggregate(uri, (left, part) => left.TrimEnd('/') + "/" + part.TrimStart('/'));

    private static string? LocalArtifactPath(string artifactUri)
    {
        if (artifactUri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return MlflowFileStore.FileUriToPath(artifactUri);
        return artifactUri.Length > 0 && !artifactUri.Contains("://", StringComparison.Ordinal) && Path.IsPathRooted(artifactUri) ? Path.GetFullPath(artifactUri) : null;
    }

    private static string ArtifactPathToLocal(string? artifactPath)
    {
        if (string.IsNullOrEmpty(artifactPath))
            return "";
        var normalized = MlflowLimits.PosixNormalize(artifactPath.Replace('\\', '/'));
        if (normalized == ".")
            return "";
        if (normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            throw Invalid($"Artifact path '{artifactPath}' must be relative and stay inside the run's artifact folder.");
        return normalized.Replace('/', Path.DirectorySeparatorChar);
    }

    private static void CopyAtomically(string source, string destination)
    {
        var folder = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".tmp-{Guid.NewGuid():N}");
        try
        {
            File.Copy(source, temporary);
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static long ParseExperimentId(string experimentId) =>
        long.TryParse(experimentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw Invalid($"Invalid experiment ID: '{experimentId}'.");

    private static void ValidateRunId(string runId)
    {
        if (runId.Length is 0 or > 32 || !runId.All(char.IsAsciiLetterOrDigit))
            throw Invalid($"Invalid run ID: '{runId}'.");
    }

    private static TrackingException Invalid(string message) => new(message, "INVALID_PARAMETER_VALUE", 400);

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }
}
