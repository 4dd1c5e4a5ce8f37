using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using Microsoft.Data.Sqlite;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowSqliteSchemaTests
{
    static string KeptDump => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Tracking", "Data", "mlflow-3.10.0-latest_schema.sql"));

    static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    static object? Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    static void Execute(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public void SqliteStore_CreatesMlflow3100sSchema_TableForTableColumnForColumn()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using (new MlflowSqliteStore(path)) { }

        using var expected = new SqliteConnection("Data Source=:memory:");
        expected.Open();
        SqliteSchemaSnapshot.Load(expected, KeptDump);
        var want = SqliteSchemaSnapshot.Of(expected);
        using var actual = Open(path);
        var got = SqliteSchemaSnapshot.Of(actual);

        // Compared as the facts SQLite reports (pragma table_xinfo / index_list / foreign_key_list, CHECK and constraint names).
        Assert.Equal(44, want.Count(fact => fact.StartsWith("table ", StringComparison.Ordinal)));
        Assert.Empty(want.Except(got));
        Assert.Empty(got.Except(want));
        Assert.Contains("column runs.status type=VARCHAR(9) notnull=0 default= pk=0 hidden=0", got);
        Assert.Contains("column metrics.is_nan type=BOOLEAN notnull=1 default='0' pk=6 hidden=0", got);
        Assert.Contains("column spans.duration_ns type=BIGINT notnull=0 default= pk=0 hidden=3", got);
    }

    [Fact]
    public void SqliteStore_StampsMlflow3100sAlembicRevision_AndCreatesTheDefaultExperimentAndWorkspace()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");

        using (new MlflowSqliteStore(path)) { }

        // The head of mlflow/store/db_migrations/versions at v3.10.0: 1b5f0d9ad7c1_add_workspace_columns_and_catalog.py.
        Assert.Equal("1b5f0d9ad7c1", Scalar(path, "SELECT group_concat(version_num) FROM alembic_version"));
        Assert.Equal(MlflowSqliteSchema.Revision, Scalar(path, "SELECT version_num FROM alembic_version"));
        // sqlalchemy_store.py _create_default_experiment: id 0, "Default", <artifact root>/0, active.
        Assert.Equal($"0|Default|{temp.Combine("mlruns", "0")}|active|default",
            Scalar(path, "SELECT experiment_id || '|' || name || '|' || artifact_location || '|' || lifecycle_stage || '|' || workspace FROM experiments"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM experiments WHERE creation_time > 0 AND creation_time = last_update_time"));
        Assert.Equal("default", Scalar(path, "SELECT name FROM workspaces"));
        Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task SqliteStore_ReopeningItsOwnDatabase_KeepsEverythingAndAddsNothing()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using (var store = new MlflowSqliteStore(path))
            await store.GetOrCreateExperimentAsync("imdb");

        using (new MlflowSqliteStore(path)) { }

        Assert.Equal(2L, Scalar(path, "SELECT count(*) FROM experiments"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM alembic_version"));
        Assert.Equal(1L, Scalar(path, "SELECT count(*) FROM workspaces"));
    }

    [Fact]
    public void SqliteStore_RefusesAFileThatIsNotADatabase_InOneLineNamingIt()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        File.WriteAllText(path, "experiment,accuracy\nbert,0.93\n");

        var error = Assert.Throws<TrackingException>(() => new MlflowSqliteStore(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("not an SQLite database", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("experiment,accuracy\nbert,0.93\n", File.ReadAllText(path));
    }

    [Fact]
    public void SqliteStore_RefusesASqliteDatabaseThatIsNotMlflows()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("other.db");
        Execute(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");

        var error = Assert.Throws<TrackingException>(() => new MlflowSqliteStore(path));

        Assert.Contains("no alembic_version table", error.Message);
        Assert.Equal(0L, Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"));
    }

    [Fact]
    public void SqliteStore_RefusesADatabaseAtAnOlderMlflowRevision_NamingBothRevisionsAndTheUpgrade()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        // What MLflow 3.9 leaves: its revision (c8d9e0f1a2b3, the down_revision of 1b5f0d9ad7c1) and no workspaces table.
        Execute(path, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); " +
            "INSERT INTO alembic_version VALUES ('c8d9e0f1a2b3'); CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(256) NOT NULL)");

        var error = Assert.Throws<TrackingException>(() => new MlflowSqliteStore(path));

        Assert.Contains("c8d9e0f1a2b3", error.Message);
        Assert.Contains("1b5f0d9ad7c1", error.Message);
        Assert.Contains("mlflow db upgrade sqlite:///", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("c8d9e0f1a2b3", Scalar(path, "SELECT version_num FROM alembic_version"));
    }

    [Fact]
    public async Task SqliteStore_KeepsWritingToADatabaseMlflowUpgraded_WhenItsTablesAndColumnsAreThere()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using (new MlflowSqliteStore(path)) { }
        // What a later MLflow's `mlflow db upgrade` does: a new table, a new column, a newer revision (e1f2a3b4c5d6 revises 1b5f0d9ad7c1).
        Execute(path, "UPDATE alembic_version SET version_num = 'e1f2a3b4c5d6'; CREATE TABLE budget_policies (budget_policy_id VARCHAR(36) NOT NULL PRIMARY KEY); " +
            "ALTER TABLE runs ADD COLUMN future_column TEXT");

        using var store = new MlflowSqliteStore(path);
        var run = await store.CreateRunAsync(await store.GetOrCreateExperimentAsync("imdb"), "later", 1_700_000_000_000, "alice", []);
        await store.UpdateRunAsync(run.RunId, RunStatus.Finished, 1_700_000_000_500);

        Assert.Equal("FINISHED", Scalar(path, $"SELECT status FROM runs WHERE run_uuid = '{run.RunId}'"));
        Assert.Equal("e1f2a3b4c5d6", Scalar(path, "SELECT version_num FROM alembic_version"));
    }

    [Fact]
    public void SqliteStore_RefusesANewerDatabaseThatLacksAColumnItWrites_NamingTheColumnAndBothRevisions()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("mlflow.db");
        using (new MlflowSqliteStore(path)) { }
        Execute(path, "UPDATE alembic_version SET version_num = 'f00dfeed0001'; ALTER TABLE runs DROP COLUMN source_version");

        var error = Assert.Throws<TrackingException>(() => new MlflowSqliteStore(path));

        Assert.Contains("runs.source_version", error.Message);
        Assert.Contains("f00dfeed0001", error.Message);
        Assert.Contains("1b5f0d9ad7c1", error.Message);
    }
}
