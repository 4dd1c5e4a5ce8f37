using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// Artifacts reach a server's store whatever its artifact root: through the proxy, written directly where the run's
/// artifact URI is a local path (as MLflow's client does: mlflow/store/artifact/artifact_repository_registry.py picks
/// LocalArtifactRepository for file: and scheme-less paths), and kept pending, with one clear message, otherwise.
/// </summary>
public sealed class ArtifactRootTests
{
    private static TrackingOptions Options(string uri, List<string> warnings) => new()
    {
        TrackingUri = uri,
        ExperimentName = "imdb",
        GetEnvironmentVariable = _ => null,
        Warn = message =>
        {
            lock (warnings)
                warnings.Add(message);
        },
        RetryCooldown = TimeSpan.FromMilliseconds(100),
        FinalFlushTimeout = TimeSpan.FromSeconds(10),
        Rest = new MlflowRestClientOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ServerWithoutProxy_AndALocalArtifactRoot_GetsTheFilesWrittenThere(bool asFileUri)
    {
        using var temp = new TempFolder();
        var root = temp.Combine("shared-artifacts");
        using var server = new FakeMlflowServer { DefaultArtifactRoot = asFileUri ? MlflowFileStore.ToFileUri(root) : root };
        var warnings = new List<string>();
        var spec = temp.Combine("run", "spec.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(spec)!);
        File.WriteAllText(spec, "name: x\n");
        Directory.CreateDirectory(temp.Combine("run", "model"));
        File.WriteAllText(temp.Combine("run", "model", "config.json"), "{}");

        TrackingSummary summary;
        await using (var tracker = RunTracker.Start(new RunStart(temp.Combine("run")) { RunName = "no-proxy" }, Options(server.Uri, warnings)))
        {
            tracker.LogArtifact(spec);
            tracker.LogArtifact(temp.Combine("run", "model"), "model");
            summary = await tracker.EndAsync();
        }

        Assert.True(summary.AllSent, string.Join(" | ", warnings));
        var run = server.Runs.Single();
        var artifacts = Path.Combine(root, run.ExperimentId, run.RunId, "artifacts");
        Assert.Equal("name: x\n", File.ReadAllText(Path.Combine(artifacts, "spec.yaml")));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(artifacts, "model", "config.json")));
        Assert.Empty(server.Artifacts);
    }

    [Fact]
    public async Task ServerWithoutProxy_AndAnS3Root_SaysHowToEnableTheProxy_AndSyncReportsTheArtifactsPending()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer { DefaultArtifactRoot = "s3://team-bucket/mlflow" };
        var warnings = new List<string>();
        var file = temp.Combine("run", "metrics.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "{}");

        TrackingSummary summary;
        await using (var tracker = RunTracker.Start(new RunStart(temp.Combine("run")) { RunName = "s3" }, Options(server.Uri, warnings)))
        {
            tracker.LogArtifact(file);
            tracker.LogMetric("test/accuracy", 0.9, 1);
            summary = await tracker.EndAsync();
        }

        var message = Assert.Single(warnings, w => w.Contains("s3:", StringComparison.Ordinal));
        Assert.Contains("--serve-artifacts", message);
        Assert.Contains("--artifacts-destination", message);
        Assert.Equal(1, summary.PendingEvents);
        // Everything else of the run went out; only the artifact waits.
        Assert.Equal("FINISHED", server.Runs.Single().Status);
        Assert.Contains(server.Runs.Single().Metrics, m => m.Key == "test/accuracy");

        var sync = await TrackingSync.SyncAsync(temp.Combine("run"), Options(server.Uri, warnings));
        Assert.Equal(1, sync.PendingEvents);
        Assert.Equal(1, RunJournal.PendingEvents(temp.Combine("run")));
        Assert.Empty(server.Artifacts);
    }
}
