using ImdbExperiments.Reporting;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// The sqlite: store against MLflow's own rules, from mlflow/store/tracking/sqlalchemy_store.py: create_experiment (the
/// rowid, then artifact_location = root/id), create_run (UNKNOWN source, RUNNING, artifact_uri = location/run/artifacts),
/// sanitize_metric_value and _update_latest_metrics_if_necessary, _log_inputs_impl and create_logged_model.
/// </summary>
public sealed class MlflowSqliteStoreTests
{
    const long T0 = 1_700_000_000_000;

    static List<string?[]> Rows(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string?[]>();
        while (reader.Read())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        return rows;
    }

    static string Row(string path, string sql) => string.Join("|", Assert.Single(Rows(path, sql)));

    static long Count(string path, string table) => long.Parse(Row(path, $"SELECT count(*) FROM {table}"));

    static readonly string[] TrackingTables = ["experiments", "runs", "params", "tags", "metrics", "latest_metrics", "datasets", "inputs", "input_tags"];

    static Dictionary<string, long> Counts(string path) => TrackingTables.ToDictionary(table => table, table => Count(path, table));

    [Fact]
    public async Task SqliteStore_WritesExperimentsAndRunsAsSqlAlchemyStoreDoes()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);

        var experimentId = await store.GetOrCreateExperimentAsync("imdb bert-base");
        var again = await store.GetOrCreateExperimentAsync("imdb bert-base");
        var run = await store.CreateRunAsync(experimentId, "bert-seed1", T0, "alice", [new RunTag("imdbx.spec_hash", "ab12")]);

        Assert.Equal("1", experimentId);  // SQLite's next rowid after the Default experiment 0
        Assert.Equal(experimentId, again);
        var location = temp.Combine("mlruns", "1");
        Assert.Equal($"imdb bert-base|{location}|active", Row(path, "SELECT name, artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = 1"));
        Assert.Matches("^[0-9a-f]{32}$", run.RunId);
        Assert.Equal($"{location}/{run.RunId}/artifacts", run.ArtifactUri);
        Assert.Equal($"bert-seed1|UNKNOWN|||alice|RUNNING|{T0}||||active|{run.ArtifactUri}|1|",
            Row(path, $"SELECT name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, '', lifecycle_stage, artifact_uri, experiment_id, deleted_time FROM runs WHERE run_uuid = '{run.RunId}'"));
        Assert.Equal(["imdbx.spec_hash=ab12", "mlflow.runName=bert-seed1"],
            Rows(path, "SELECT key || '=' || value FROM tags ORDER BY key").Select(r => r[0]));
        Assert.Equal(run, await store.FindRunByTagAsync(experimentId, "imdbx.spec_hash", "ab12"));
        Assert.Null(await store.FindRunByTagAsync(experimentId, "imdbx.spec_hash", "other"));
    }

    [Fact]
    public async Task SqliteStore_StoresNanAsZeroWithIsNan_AndInfinityAsTheLargestDouble()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var run = await store.CreateRunAsync("0", "r", T0, "u", []);

        await store.LogBatchAsync(run.RunId,
            [new Metric("grad_norm", double.NaN, T0, 0), new Metric("weird", double.PositiveInfinity, T0, 0), new Metric("weird", double.NegativeInfinity, T0, 1)], [], []);

        Assert.Equal("0|1", Row(path, "SELECT value, is_nan FROM metrics WHERE key = 'grad_norm'"));
        Assert.Equal(["1.7976931348623157E+308", "-1.7976931348623157E+308"],
            Rows(path, "SELECT value FROM metrics WHERE key = 'weird' ORDER BY step").Select(r => r[0]));
        var history = await store.GetMetricHistoryAsync(run.RunId, "grad_norm");
        Assert.True(double.IsNaN(Assert.Single(history).Value));
    }

    [Fact]
    public async Task SqliteStore_LatestMetricIsTheLargestStepThenTimestampThenValue_NanComparedAsZero()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var run = await store.CreateRunAsync("0", "r", T0, "u", []);
        string Latest() => Row(path, "SELECT step, timestamp, value, is_nan FROM latest_metrics WHERE key = 'loss'");

        await store.LogBatchAsync(run.RunId, [new Metric("loss", 1.0, T0 + 100, 2)], [], []);
        await store.LogBatchAsync(run.RunId, [new Metric("loss", 9.0, T0 + 500, 1)], [], []);
        Assert.Equal($"2|{T0 + 100}|1|0", Latest());  // a later timestamp does not beat a larger step

        await store.LogBatchAsync(run.RunId, [new Metric("loss", 3.0, T0 + 100, 2), new Metric("loss", 2.0, T0 + 100, 2)], [], []);
        Assert.Equal($"2|{T0 + 100}|3|0", Latest());  // same step and time: the larger value

        await store.LogBatchAsync(run.RunId, [new Metric("loss", double.NaN, T0 + 200, 2)], [], []);
        Assert.Equal($"2|{T0 + 200}|0|1", Latest());

        await store.LogBatchAsync(run.RunId, [new Metric("loss", -1.0, T0 + 200, 2)], [], []);
        Assert.Equal($"2|{T0 + 200}|0|1", Latest());  // -1 < 0, the NaN's stored value
        Assert.Equal(6, (await store.GetMetricHistoryAsync(run.RunId, "loss")).Count);
    }

    [Fact]
    public async Task SqliteStore_ReplayedBatchAddsNoRow_AndAChangedParamIsRejectedAlone()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var run = await store.CreateRunAsync("0", "r", T0, "u", []);
        Metric[] metrics = [new("loss", 0.5, T0, 0), new("loss", 0.25, T0 + 1, 1), new("nan", double.NaN, T0, 0)];
        Param[] parameters = [new("lr", "2e-05"), new("batch", "32")];

        Assert.Empty(await store.LogBatchAsync(run.RunId, metrics, parameters, [new RunTag("note", "a")]));
        var before = Counts(path);
        Assert.Empty(await store.LogBatchAsync(run.RunId, metrics, parameters, [new RunTag("note", "a")]));
        Assert.Equal(before, Counts(path));
        var rejected = await store.LogBatchAsync(run.RunId, [new Metric("loss", 0.1, T0 + 2, 2)], [new Param("lr", "1e-04"), new Param("epochs", "3")], []);

        Assert.Equal(before["metrics"] + 1, Count(path, "metrics"));
        var conflict = Assert.Single(rejected);
        Assert.Equal("lr", conflict.Key);
        Assert.Contains("Changing param values is not allowed. Param with key='lr' was already logged with value='2e-05'", conflict.Reason);
        Assert.Equal("2e-05", Row(path, "SELECT value FROM params WHERE key = 'lr'"));
        Assert.Equal("3", Row(path, "SELECT value FROM params WHERE key = 'epochs'"));
    }

    [Fact]
    public async Task SqliteStore_RunNameTagRenamesTheRun_AndUpdateRunSetsStatusAndEnd()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var run = await store.CreateRunAsync("0", "first", T0, "u", []);

        await store.SetTagAsync(run.RunId, new RunTag(TrackingTags.RunName, "second"));
        await store.UpdateRunAsync(run.RunId, RunStatus.Killed, T0 + 9);

        Assert.Equal($"second|KILLED|{T0 + 9}", Row(path, "SELECT name, status, end_time FROM runs"));
        Assert.Equal("second", Row(path, "SELECT value FROM tags WHERE key = 'mlflow.runName'"));
    }

    [Fact]
    public async Task SqliteStore_OneDatasetPerExperimentNameAndDigest_OneInputPerRun_WithItsContextTag()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var experimentId = await store.GetOrCreateExperimentAsync("imdb");
        var first = await store.CreateRunAsync(experimentId, "a", T0, "u", []);
        var second = await store.CreateRunAsync(experimentId, "b", T0, "u", []);
        var train = DatasetInput.FromUrl("imdb-train", "0123456789abcdef", "https://example.org/aclImdb_v1.tar.gz", "train");
        var test = DatasetInput.FromUrl("imdb-test", "fedcba9876543210", "https://example.org/aclImdb_v1.tar.gz", "test");

        await store.LogInputsAsync(first.RunId, [train, test, train with { Context = "again" }]);
        await store.LogInputsAsync(second.RunId, [train]);
        await store.LogInputsAsync(second.RunId, [train]);

        Assert.Equal(2, Count(path, "datasets"));
        Assert.Equal(3, Count(path, "inputs"));
        Assert.Equal(["imdb-test|test", "imdb-train|train", "imdb-train|train"],
            Rows(path, "SELECT d.name, t.value FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id JOIN input_tags t ON t.input_uuid = i.input_uuid " +
                "WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND t.name = 'mlflow.data.context' ORDER BY d.name, t.value").Select(r => $"{r[0]}|{r[1]}"));
        Assert.Equal("http|{\"url\": \"https://example.org/aclImdb_v1.tar.gz\"}|1", Row(path, "SELECT dataset_source_type, dataset_source, experiment_id FROM datasets WHERE name = 'imdb-train'"));
        Assert.Matches("^[0-9a-f]{32}$", Row(path, "SELECT input_uuid FROM inputs LIMIT 1"));
    }

    [Fact]
    public async Task SqliteStore_LoggedModelGoesFromPendingToReady_WithParamsTagsAndMetrics()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using var store = new MlflowSqliteStore(path);
        var experimentId = await store.GetOrCreateExperimentAsync("imdb");
        var run = await store.CreateRunAsync(experimentId, "a", T0, "u", []);
        var test = DatasetInput.FromUrl("imdb-test", "fedcba9876543210", "https://example.org/x.tar.gz", "test");
        await store.LogInputsAsync(run.RunId, [test]);

        var model = store.CreateLoggedModel(experimentId, "best", run.RunId, "transformers", [new Param("hidden_size", "32")], [new RunTag("stage", "draft")]);
        Assert.Equal("1", Row(path, "SELECT status FROM logged_models"));  // LOGGED_MODEL_PENDING
        store.LogLoggedModelParams(model.ModelId, [new Param("hidden_size", "32"), new Param("layers", "1")]);
        store.SetLoggedModelTags(model.ModelId, [new RunTag("stage", "final")]);
        store.LogLoggedModelMetrics(model.ModelId, run.RunId, [new Metric("test/accuracy", 0.9, T0, 3), new Metric("test/accuracy", 0.9, T0, 3)], test.Name, test.Digest);
        store.FinalizeLoggedModel(model.ModelId, MlflowSqliteStore.LoggedModelStatus.Ready);

        Assert.Matches("^m-[0-9a-f]{32}$", model.ModelId);
        Assert.Equal($"{temp.Combine("mlruns", "1")}/models/{model.ModelId}/artifacts", model.ArtifactLocation);
        Assert.Equal($"best|1|2|active|transformers|{run.RunId}", Row(path, "SELECT name, experiment_id, status, lifecycle_stage, model_type, source_run_id FROM logged_models"));
        Assert.Equal(["hidden_size=32", "layers=1"], Rows(path, "SELECT param_key || '=' || param_value FROM logged_model_params ORDER BY param_key").Select(r => r[0]));
        Assert.Equal("stage=final", Row(path, "SELECT tag_key || '=' || tag_value FROM logged_model_tags"));
        Assert.Equal($"test/accuracy|0.9|3|{run.RunId}|imdb-test|fedcba9876543210|1",
            Row(path, "SELECT metric_name, metric_value, metric_step, run_id, dataset_name, dataset_digest, dataset_uuid = (SELECT dataset_uuid FROM datasets) FROM logged_model_metrics"));
        Assert.Throws<TrackingException>(() => store.LogLoggedModelParams(model.ModelId, [new Param("layers", "2")]));
        Assert.Throws<TrackingException>(() => store.FinalizeLoggedModel(model.ModelId, MlflowSqliteStore.LoggedModelStatus.Pending));
    }

    [Fact]
    public async Task SqliteStore_LoggedModelThroughTheBackendInterface_GetsItsFilesAndEndsReady()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        ITrackingBackend store = new MlflowSqliteStore(path);
        using var _ = store;
        var experimentId = await store.GetOrCreateExperimentAsync("imdb");
        var run = await store.CreateRunAsync(experimentId, "a", T0, "u", []);
        var folder = Directory.CreateDirectory(temp.Combine("mlflow-model", "model")).Parent!.FullName;
        File.WriteAllText(Path.Combine(folder, "MLmodel"), "flavors: {}\n");
        File.WriteAllText(Path.Combine(folder, "model", "config.json"), "{}");
        File.WriteAllText(Path.Combine(folder, ".bookkeeping"), "not an artifact");

        var model = await store.CreateLoggedModelAsync(experimentId, "best", run.RunId, "transformers");
        await store.LogLoggedModelParamsAsync(model.ModelId, [new Param("hidden_size", "32")]);
        await store.SetLoggedModelTagsAsync(model.ModelId, [new RunTag("imdbx.spec_hash", "abc")]);
        await store.LogLoggedModelMetricsAsync(run.RunId, model.ModelId, [new Metric("best_validation/f1", 0.8, T0, 5)], null, null);
        await store.LogLoggedModelArtifactsAsync(model, folder);
        await store.FinalizeLoggedModelAsync(model.ModelId);

        var artifacts = Path.Combine(temp.Combine("mlruns", "1"), "models", model.ModelId, "artifacts");
        Assert.Equal("flavors: {}\n", File.ReadAllText(Path.Combine(artifacts, "MLmodel")));
        Assert.True(File.Exists(Path.Combine(artifacts, "model", "config.json")));
        Assert.False(File.Exists(Path.Combine(artifacts, ".bookkeeping")));
        Assert.Equal($"2|{run.RunId}", Row(path, "SELECT status, source_run_id FROM logged_models"));  // LOGGED_MODEL_READY
        Assert.Equal("best_validation/f1|0.8|5", Row(path, "SELECT metric_name, metric_value, metric_step FROM logged_model_metrics"));
    }

    [Fact]
    public async Task SqliteStore_CopiesArtifactsUnderTheRunsArtifactUri()
    {
        using var temp = new TempFolder();
        using var store = new MlflowSqliteStore(temp.Combine("mlflow.db"));
        var run = await store.CreateRunAsync("0", "r", T0, "u", []);
        Directory.CreateDirectory(temp.Combine("model"));
        File.WriteAllText(temp.Combine("model", "config.json"), "{}");
        File.WriteAllText(temp.Combine("predictions.csv"), "id,label\n");

        await store.LogArtifactAsync(run, temp.Combine("model"), "model");
        await store.LogArtifactAsync(run, temp.Combine("predictions.csv"), null);

        Assert.True(File.Exists(Path.Combine(run.ArtifactUri, "model", "config.json")));
        Assert.True(File.Exists(Path.Combine(run.ArtifactUri, "predictions.csv")));
        await Assert.ThrowsAsync<TrackingException>(() => store.LogArtifactAsync(run, temp.Combine("predictions.csv"), "../outside"));
    }

    [Fact]
    public async Task SqliteStore_ConcurrentWritersAndAReaderShareOneDatabase_WithNothingLost()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        const int writers = 6, batches = 15;
        using (var setup = new MlflowSqliteStore(path))
            await setup.GetOrCreateExperimentAsync("sweep");

        using var stop = new CancellationTokenSource();
        var reads = 0;
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                TrackedRunReader.ReadSqlite(path, "sweep");  // what a running mlflow ui does: read while trials write
                Interlocked.Increment(ref reads);
                reading.TrySetResult();
            }
        });
        // The writers start once the reader is reading, so reads and writes overlap however fast the machine is.
        await reading.Task;
        // Each writer its own store (its own connections), as each sweep trial process has.
        var trials = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            using var store = new MlflowSqliteStore(path);
            var experimentId = await store.GetOrCreateExperimentAsync("sweep");
            var run = await store.CreateRunAsync(experimentId, $"trial-{w}", T0, "u", [new RunTag("trial", w.ToString())]);
            for (var b = 0; b < batches; b++)
                await store.LogBatchAsync(run.RunId, [new Metric("loss", 1.0 / (b + 1), T0 + b, b), new Metric("acc", b, T0 + b, b)], [new Param($"p{b}", "v")], []);
            await store.UpdateRunAsync(run.RunId, RunStatus.Finished, T0 + batches);
        })).ToArray();
        await Task.WhenAll(trials);
        stop.Cancel();
        await reader;

        Assert.Equal(2L, Count(path, "experiments"));
        Assert.Equal(writers, Count(path, "runs"));
        Assert.Equal(writers * batches * 2, Count(path, "metrics"));
        Assert.Equal(writers * batches, Count(path, "params"));
        Assert.Equal(writers * 2, Count(path, "latest_metrics"));
        Assert.Equal($"{writers}", Row(path, $"SELECT count(*) FROM latest_metrics WHERE key = 'acc' AND step = {batches - 1}"));
        var runs = TrackedRunReader.ReadSqlite(path, "sweep");
        Assert.All(runs, run => Assert.Equal(RunStatus.Finished, run.Status));
        Assert.All(runs, run => Assert.Equal(batches, run.MetricHistories["loss"].Count));
        Assert.True(reads > 0);
    }
}
