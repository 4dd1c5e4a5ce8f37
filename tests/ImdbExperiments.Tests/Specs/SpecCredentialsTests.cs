using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Specs;

/// <summary>A password in tracking.uri reaches the backend (basic auth) but no text made from the spec: YAML, JSON, hash, params, errors.</summary>
public sealed class SpecCredentialsTests : IDisposable
{
    private const string Secret = "s3cr3t-pa55";

    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void PasswordInTrackingUri_IsKeptInMemory_ButWrittenNowhere()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  uri: http://alice:{Secret}@mlflow.example.org:5000/\n");

        var spec = folder.Load("x.yaml");

        Assert.Equal($"http://alice:{Secret}@mlflow.example.org:5000/", spec.Spec.Tracking.Uri);
        Assert.DoesNotContain(Secret, spec.ToYaml());
        Assert.DoesNotContain(Secret, spec.ToYaml(folder.Root));
        Assert.DoesNotContain(Secret, spec.CanonicalJson);
        Assert.DoesNotContain("alice", spec.CanonicalJson);
        Assert.DoesNotContain(Secret, string.Join("\n", spec.Flatten().Values));
        Assert.Equal("http://mlflow.example.org:5000/", spec.Flatten()["tracking.uri"]);
    }

    [Fact]
    public void PasswordSetOnTheCommandLine_IsWrittenNowhere()
    {
        folder.Write("x.yaml", SpecFolder.Minimal);

        var spec = folder.Load("x.yaml", $"tracking.uri=https://bob:{Secret}@mlflow.example.org/");

        Assert.Equal($"https://bob:{Secret}@mlflow.example.org/", spec.Spec.Tracking.Uri);
        Assert.DoesNotContain(Secret, spec.ToYaml());
        Assert.DoesNotContain(Secret, spec.CanonicalJson);
        Assert.DoesNotContain(Secret, string.Join("\n", spec.Flatten().Values));
    }

    [Fact]
    public void SpecHash_DoesNotDependOnTheCredentials()
    {
        // The same experiment logged with another password (or with the password in MLFLOW_TRACKING_PASSWORD) is the same experiment.
        folder.Write("x.yaml", SpecFolder.Minimal);

        var plain = folder.Load("x.yaml", "tracking.uri=http://mlflow.example.org:5000/");
        var one = folder.Load("x.yaml", "tracking.uri=http://alice:one@mlflow.example.org:5000/");
        var other = folder.Load("x.yaml", "tracking.uri=http://alice:other@mlflow.example.org:5000/");

        Assert.Equal(plain.Hash, one.Hash);
        Assert.Equal(one.Hash, other.Hash);
        Assert.NotEqual(plain.Hash, folder.Load("x.yaml", "tracking.uri=http://other-host:5000/").Hash);
    }

    [Fact]
    public void SavedSpec_LoadsBackToTheSameHash_WithoutThePassword()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  uri: http://alice:{Secret}@mlflow.example.org/\n");
        var spec = folder.Load("x.yaml");

        folder.Write("run/spec.yaml", spec.ToYaml(Path.Combine(folder.Root, "run")));
        var saved = folder.Load("run/spec.yaml");

        Assert.Equal(spec.Hash, saved.Hash);
        Assert.Equal("http://mlflow.example.org/", saved.Spec.Tracking.Uri);
    }

    [Fact]
    public void InvalidUriWithAPassword_IsRejectedWithoutShowingThePassword()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + $"tracking:\n  uri: \"http://alice:{Secret}@mlflow example\"\n");

        var fromFile = folder.LoadFails("x.yaml");
        var fromSet = Assert.Throws<SpecException>(() => SpecLoader.Load(Path.Combine(folder.Root, "x.yaml"),
            [$"tracking.uri=ftp://alice:{Secret}@mlflow.example.org/"], folder.Root));

        Assert.Equal("tracking.uri", fromFile.Key);
        Assert.DoesNotContain(Secret, fromFile.Message);
        Assert.DoesNotContain(Secret, fromFile.Value);
        Assert.Equal("tracking.uri", fromSet.Key);
        Assert.DoesNotContain(Secret, fromSet.Message);
        Assert.DoesNotContain(Secret, fromSet.Errors[0].Override);
    }

    [Theory]
    [InlineData("http://mlflow.example.org:5000/?token=abc123&x=1#top", "http://mlflow.example.org:5000/?token=***&x=1#top")]
    [InlineData("https://u:p@host/path?Password=abc&access_token=def", "https://host/path?Password=***&access_token=***")]
    [InlineData("https://host/a@b", "https://host/a@b")]
    [InlineData("http://mlflow:5000", "http://mlflow:5000")]
    public void Redact_RemovesUserInfoAndSecretQueryValues_AndLeavesTheRestAsWritten(string uri, string expected)
    {
        Assert.Equal(expected, TrackingUri.Redact(uri));
    }
}
