using ImdbExperiments.Caching;
using ImdbExperiments.Reporting;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tests.Runs;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class ExperimentRunSqliteTests
{
    const string Spec = """
        name: recorded
        description: recorded into the default store
        seed: 5
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 150
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 500
        tokenizer:
          max_length: 48
        training:
          epochs: 1
          batch_size: 32
          log_every: 2
          threads: 1
        tracking:
          tags:
            team: nlp
        """;

    static PipelineContext Context(TempFolder project)
    {
        File.WriteAllText(project.Combine("recorded.yaml"), Spec);
        var artifacts = project.Combine("artifacts");
        return new PipelineContext
        {
            Spec = SpecLoader.Load(project.Combine("recorded.yaml"), [], project.Path),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
            // No MLFLOW_TRACKING_URI: the run goes to the default, sqlite:///mlflow.db in the current folder.
            Environment = _ => null,
        };
    }

    static Dictionary<string, long> RowCounts(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in MlflowSqliteSchema.UsedColumns.Keys)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {table}";
            counts[table] = (long)command.ExecuteScalar()!;
        }
        return counts;
    }

    static string Describe(Dictionary<string, long> counts) => string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"));

    static string Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    [Fact]
    public async Task Evaluate_WithNoTrackingUri_RecordsIntoMlflowDb_AndACacheHitRerunAddsNoRowAnywhere()
    {
        using var project = new TempFolder();
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(project.Path);  // sqlite:///mlflow.db is relative to where the command runs
        try
        {
            var run = await ExperimentRun.RunAsync(Context(project), evaluate: true, CancellationToken.None);
            Assert.True(run.Tracking!.AllSent);
            var database = project.Combine("mlflow.db");

            var record = Assert.Single(await TrackedRunReader.ReadRunsAsync(null, "recorded", project.Path, _ => null));
            Assert.Equal(run.Tracking.RunId, record.RunId);
            Assert.Equal(RunStatus.Finished, record.Status);
            Assert.NotNull(record.EndTime);
            Assert.Equal("5E-05", record.Params["training.learning_rate"]);
            Assert.Equal("nlp", record.Tags["team"]);
            Assert.Equal(Context(project).Spec.Hash, record.Tags["imdbx.spec_hash"]);
            var loss = record.MetricHistories["train/loss"];
            Assert.True(loss.Count > 1);
            Assert.Equal(loss.MaxBy(m => (m.Step, m.TimestampMs))!.Value, record.Metrics["train/loss"]);
            Assert.Contains("validation/f1", record.Metrics.Keys);
            Assert.Contains("test/accuracy", record.Metrics.Keys);
            // One dataset per split, each with its context tag (MLflow keeps one input per dataset per run).
            Assert.Equal("imdb-test|test,imdb-train|train,imdb-validation|validation", Scalar(database,
                $"SELECT group_concat(x, ',') FROM (SELECT d.name || '|' || t.value AS x FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id JOIN input_tags t ON t.input_uuid = i.input_uuid WHERE i.destination_id = '{record.RunId}' ORDER BY x)"));
            Assert.Equal("3", Scalar(database, "SELECT count(DISTINCT digest) FROM datasets"));
            Assert.Equal("recorded into the default store", Scalar(database,
                $"SELECT value FROM experiment_tags WHERE key = 'mlflow.note.content' AND experiment_id = (SELECT experiment_id FROM runs WHERE run_uuid = '{record.RunId}')"));
            // The best model as an MLflow 3 LoggedModel of this run, READY, with its MLmodel among its artifacts.
            var model = Scalar(database, $"SELECT artifact_location FROM logged_models WHERE source_run_id = '{record.RunId}' AND status = 2");
            Assert.True(File.Exists(Path.Combine(model, "MLmodel")));
            var artifacts = Scalar(database, $"SELECT artifact_uri FROM runs WHERE run_uuid = '{record.RunId}'");
            Assert.StartsWith(project.Combine("mlruns") + "/", artifacts);
            Assert.True(File.Exists(Path.Combine(artifacts, "predictions.csv")));
            // The weights live once, in the LoggedModel's artifact folder: no model/ copy under the run's artifacts (MLflow 3's log_model).
            Assert.False(Directory.Exists(Path.Combine(artifacts, "model")));
            Assert.True(File.Exists(Path.Combine(model, "model", "model.safetensors")));
            Assert.Equal(Scalar(database, $"SELECT model_id FROM logged_models WHERE source_run_id = '{record.RunId}'"), Assert.Single(record.ModelOutputs).ModelId);

            var before = RowCounts(database);
            var again = await ExperimentRun.RunAsync(Context(project), evaluate: true, CancellationToken.None);

            Assert.Equal(run.Tracking.RunId, again.Tracking!.RunId);
            // A cache-hit re-run adds no row to any table: no metric point, param, tag, input, logged model or status change.
            Assert.Equal(Describe(before), Describe(RowCounts(database)));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }
}
