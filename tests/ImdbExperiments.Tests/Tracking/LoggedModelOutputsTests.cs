using System.Text;
using System.Text.Json.Nodes;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// A run's LoggedModel outputs (MLflow 3's log_outputs) at each backend, as MLflow writes them: mlflow/server/handlers.py
/// _log_outputs (run_id and models required), mlflow/store/tracking/sqlalchemy_store.py log_outputs (an inputs row RUN_OUTPUT
/// run -> MODEL_OUTPUT model with its step; a second one breaks the primary key) and _get_model_outputs, file_store.py
/// log_outputs (outputs/&lt;model_id&gt;/meta.yaml, written once) and _get_model_outputs.
/// </summary>
public sealed class LoggedModelOutputsTests
{
    const long T0 = 1_700_000_000_000;
    const string ModelId = "m-0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task FakeServer_RequiresModels_AndRefusesAModelTheRunAlreadyLists_AsASqlBackedServer()
    {
        using var server = new FakeMlflowServer();
        using var client = new MlflowRestClient(server.Uri);
        var run = await client.CreateRunAsync(await client.GetOrCreateExperimentAsync("imdb"), "run", T0, "alice", []);
        using var http = new HttpClient();
        async Task<(int, string)> PostAsync(string body)
        {
            var response = await http.PostAsync(server.Uri + "/api/2.0/mlflow/runs/outputs", new StringContent(body, Encoding.UTF8, "application/json"));
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            return ((int)response.StatusCode, $"{answer?["error_code"]}: {answer?["message"]}");
        }

        var (missing, missingBody) = await PostAsync($"{{\"run_id\":\"{run.RunId}\"}}");
        Assert.Equal(400, missing);
        Assert.Equal("INVALID_PARAMETER_VALUE: Missing value for required parameter 'models'.", missingBody);
        Assert.Equal(200, (await PostAsync($"{{\"run_id\":\"{run.RunId}\",\"models\":[{{\"model_id\":\"{ModelId}\",\"step\":7}}]}}")).Item1);
        var (again, againBody) = await PostAsync($"{{\"run_id\":\"{run.RunId}\",\"models\":[{{\"model_id\":\"{ModelId}\",\"step\":7}}]}}");
        Assert.Equal(400, again);
        Assert.StartsWith("BAD_REQUEST: ", againBody);
        Assert.Equal([(ModelId, 7L)], server.Runs.Single().Outputs);
    }

    [Fact]
    public async Task Rest_LogOutputsSentTwice_PostsOnce_AndTheRunShowsTheModelAtItsStep()
    {
        using var server = new FakeMlflowServer { Int64AsStrings = true };
        using var client = new MlflowRestClient(server.Uri);
        var run = await client.CreateRunAsync(await client.GetOrCreateExperimentAsync("imdb"), "run", T0, "alice", []);

        await client.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 7)]);
        // A replay after a crash before the ack was written: the server would answer a second row with 400 BAD_REQUEST.
        await client.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 7)]);

        Assert.Single(server.Requests, request => request.Method == "POST" && request.Path.EndsWith("/runs/outputs", StringComparison.Ordinal));
        Assert.Equal([new LoggedModelOutput(ModelId, 7)], await client.GetRunOutputsAsync(run.RunId));
        var record = Assert.Single(await TrackedRunReader.ReadRunsAsync(server.Uri, "imdb", null, _ => null));
        Assert.Equal([new LoggedModelOutput(ModelId, 7)], record.ModelOutputs);
    }

    [Fact]
    public async Task Sqlite_LogOutputs_IsOneInputsRowWithItsStep_ReadBack_AndAReplayAddsNoRow()
    {
        using var temp = new TempFolder();
        var database = temp.Combine("mlflow.db");
        using (var store = new MlflowSqliteStore(database))
        {
            var run = await store.CreateRunAsync(await store.GetOrCreateExperimentAsync("imdb"), "run", T0, "alice", []);
            await store.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 7)]);
            await store.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 7)]);

            Assert.Equal($"RUN_OUTPUT|{run.RunId}|MODEL_OUTPUT|{ModelId}|7", string.Join("|", Assert.Single(Rows(database,
                "SELECT source_type, source_id, destination_type, destination_id, step FROM inputs"))));
        }
        var record = Assert.Single(TrackedRunReader.ReadSqlite(database, "imdb"));
        Assert.Equal([new LoggedModelOutput(ModelId, 7)], record.ModelOutputs);
    }

    [Fact]
    public async Task FileStore_LogOutputs_WritesOutputsMetaYamlOnce_ReadBack_AndRefusesAModelIdThatIsAPath()
    {
        using var temp = new TempFolder();
        var mlruns = temp.Combine("mlruns");
        using var store = new MlflowFileStore(mlruns);
        var run = await store.CreateRunAsync(await store.GetOrCreateExperimentAsync("imdb"), "run", T0, "alice", []);
        var runFolder = Directory.GetDirectories(mlruns, run.RunId, SearchOption.AllDirectories).Single();

        await store.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 7)]);
        await store.LogOutputsAsync(run.RunId, [new LoggedModelOutput(ModelId, 9)]);

        // _FileStoreOutput.write_yaml: sorted keys, the model id as source_id and destination_id, no tags; the first write stays.
        Assert.Equal($"destination_id: {ModelId}\ndestination_type: MODEL_OUTPUT\nsource_id: {ModelId}\nsource_type: RUN_OUTPUT\nstep: 7\ntags: {{}}\n",
            File.ReadAllText(Path.Combine(runFolder, "outputs", ModelId, "meta.yaml")));
        Assert.Equal([new LoggedModelOutput(ModelId, 7)], Assert.Single(TrackedRunReader.ReadFileStore(mlruns, "imdb")).ModelOutputs);

        var refused = await Assert.ThrowsAsync<TrackingException>(() => store.LogOutputsAsync(run.RunId, [new LoggedModelOutput("../../escape", 1)]));
        Assert.Contains("'../../escape'", refused.Message);
        Assert.Equal([ModelId], Directory.GetDirectories(Path.Combine(runFolder, "outputs")).Select(Path.GetFileName));
        Assert.False(Directory.Exists(temp.Combine("escape")));
    }

    [Fact]
    public async Task LoggedModel_WhoseOutputFailed_IsCreatedOnce_AndListedOnceAtItsStep_WhenSynced_AndWhenReplayedAgain()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer { FailRunsOutputs = 1_000_000 };
        var options = new TrackingOptions
        {
            TrackingUri = server.Uri,
            ExperimentName = "imdb",
            GetEnvironmentVariable = _ => null,
            Warn = _ => { },
            RetryCooldown = TimeSpan.FromMilliseconds(100),
            FinalFlushTimeout = TimeSpan.FromSeconds(3),
            Rest = new MlflowRestClientOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) },
        };
        var runFolder = temp.Combine("runs", "outputs");
        var package = temp.Combine("runs", "outputs", "mlflow-model");
        Directory.CreateDirectory(Path.Combine(package, "model"));
        File.WriteAllText(Path.Combine(package, "model", "model.safetensors"), "weights");
        TrackingSummary summary;
        await using (var tracker = RunTracker.Start(new RunStart(runFolder) { RunName = "outputs" }, options))
        {
            tracker.LogModel(new LoggedModelRequest("train-key", "outputs", package, [], [], [new Metric("best_validation/accuracy", 0.9, T0, 3)], Step: 3));
            summary = await tracker.EndAsync();
        }
        Assert.False(summary.AllSent);
        // Created before its output was refused, and remembered: no replay creates it again.
        var created = Assert.Single(server.LoggedModels);
        Assert.Empty(server.Runs.Single().Outputs);

        server.FailRunsOutputs = 0;
        Assert.Equal(SyncOutcome.Synced, (await TrackingSync.SyncAsync(runFolder, options)).Outcome);
        File.Delete(Path.Combine(runFolder, RunJournal.AckFileName)); // as if the process died before acknowledging
        Assert.Equal(SyncOutcome.Synced, (await TrackingSync.SyncAsync(runFolder, options)).Outcome);

        Assert.Equal(created.ModelId, Assert.Single(server.LoggedModels).ModelId);
        Assert.Equal("LOGGED_MODEL_READY", created.Status);
        Assert.Equal([(created.ModelId, 3L)], server.Runs.Single().Outputs);
        Assert.Single(server.Artifacts.Keys, key => key.EndsWith("model.safetensors", StringComparison.Ordinal));
        Assert.Contains("\"step\":3", File.ReadLines(Path.Combine(runFolder, RunJournal.JournalFileName)).Single(line => line.Contains("\"type\":\"logged_model\"", StringComparison.Ordinal)));
    }

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
}
