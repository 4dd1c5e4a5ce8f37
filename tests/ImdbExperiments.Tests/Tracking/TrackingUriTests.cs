using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class TrackingUriTests
{
    [Fact]
    public void Resolve_PrefersTheSpecThenMlflowTrackingUriThenTheLocalFileStore()
    {
        string? Environment(string name) => name == TrackingUri.EnvironmentVariable ? "http://mlflow:5000" : null;

        Assert.Equal("http://spec:5000", TrackingUri.Resolve("http://spec:5000", Environment));
        Assert.Equal("http://mlflow:5000", TrackingUri.Resolve(null, Environment));
        Assert.Equal("http://mlflow:5000", TrackingUri.Resolve("  ", Environment));
        Assert.Equal("file:./mlruns", TrackingUri.Resolve(null, _ => null));
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
        var error = Assert.Throws<ArgumentException>(() => TrackingUri.Normalize("sqlite:///mlflow.db"));

        Assert.Contains("http(s)://", error.Message);
        Assert.Contains("file:", error.Message);
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
