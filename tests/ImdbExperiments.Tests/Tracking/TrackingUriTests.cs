using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class TrackingUriTests
{
    [Fact]
    public void Resolve_PrefersTheSpecThenMlflowTrackingUriThenMlflowsDefaultSqliteDatabase()
    {
        string? Environment(string name) => name == TrackingUri.EnvironmentVariable ? "http://mlflow:5000" : null;

        Assert.Equal("http://spec:5000", TrackingUri.Resolve("http://spec:5000", Environment));
        Assert.Equal("http://mlflow:5000", TrackingUri.Resolve(null, Environment));
        Assert.Equal("http://mlflow:5000", TrackingUri.Resolve("  ", Environment));
        // MLflow's default since 3.7 (mlflow/tracking/_tracking_service/utils.py _get_default_tracking_uri).
        Assert.Equal("sqlite:///mlflow.db", TrackingUri.Resolve(null, _ => null));
    }

    [Fact]
    public void Normalize_MakesFileStoresAbsoluteSoASyncFromElsewhereFindsThem()
    {
        using var temp = new TempFolder();

        var relative = TrackingUri.Normalize("file:./mlruns", temp.Path);
        var plain = TrackingUri.Normalize("mlruns", temp.Path);
        var absolute = TrackingUri.Normalize(MlflowFileStore.ToFileUri(temp.Combine("x y")), "/elsewhere");

        Assert.Equal(MlflowFileStore.ToFileUri(temp.Combine("mlruns")), relative);
        Assert.Equal(relative, plain);
        Assert.Equal(temp.Combine("x y"), MlflowFileStore.FileUriToPath(absolute));
        Assert.StartsWith("file:///", relative);
    }

    [Fact]
    public void Normalize_RejectsBackendsWeCannotWriteWithAnActionableMessage()
    {
        var error = Assert.Throws<ArgumentException>(() => TrackingUri.Normalize("postgresql://db/mlflow"));

        Assert.Contains("http(s)://", error.Message);
        Assert.Contains("sqlite:///", error.Message);
        Assert.Contains("file:", error.Message);
    }

    [Fact]
    public void Normalize_ReadsSqliteUrisAsSqlAlchemyDoes_ThreeSlashesRelativeFourAbsolute()
    {
        using var temp = new TempFolder();

        var relative = TrackingUri.Normalize("sqlite:///mlflow.db", temp.Path);
        var nested = TrackingUri.Normalize("sqlite:///runs/my%20db.db", temp.Path);
        var absolute = TrackingUri.Normalize("sqlite:///" + temp.Combine("abs.db"), "/elsewhere");

        Assert.Equal(temp.Combine("mlflow.db"), MlflowSqliteUri.ToPath(relative));
        Assert.Equal(temp.Combine("runs", "my db.db"), MlflowSqliteUri.ToPath(nested));
        Assert.Equal(temp.Combine("abs.db"), MlflowSqliteUri.ToPath(absolute));
        Assert.StartsWith("sqlite:////", relative);
        Assert.Equal(relative, TrackingUri.Normalize(relative, "/elsewhere"));
    }

    [Theory]
    [InlineData("sqlite://", "a database file is needed")]
    [InlineData("sqlite:///:memory:", "in-memory")]
    [InlineData("sqlite://bob:secret@host/x.db", "no host")]
    [InlineData("sqlite:///x.db?mode=ro", "query options")]
    public void Normalize_RefusesSqliteUrisWithoutAFileToWrite_InOneLineWithoutSecrets(string uri, string why)
    {
        var error = Assert.Throws<ArgumentException>(() => TrackingUri.Normalize(uri));

        Assert.Contains(why, error.Message);
        Assert.Contains("sqlite:////<absolute path>.db", error.Message);
        Assert.DoesNotContain("secret", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void OpenBackend_OpensTheSqliteStoreForSqliteUris()
    {
        using var temp = new TempFolder();

        using var backend = TrackingUri.OpenBackend(TrackingUri.Normalize("sqlite:///mlflow.db", temp.Path));

        var store = Assert.IsType<MlflowSqliteStore>(backend);
        Assert.Equal(temp.Combine("mlflow.db"), store.DatabasePath);
        Assert.True(File.Exists(temp.Combine("mlflow.db")));
    }

    [Fact]
    public void Redact_RemovesUserNameAndPassword()
    {
        var redacted = TrackingUri.Redact("https://bob:pa55word@mlflow.example.org/");

        Assert.DoesNotContain("pa55word", redacted);
        Assert.DoesNotContain("bob", redacted);
        Assert.Equal("http://mlflow:5000", TrackingUri.Normalize("http://mlflow:5000"));
    }
}
