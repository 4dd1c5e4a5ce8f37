using System.Text;
using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class RunTrackerTests
{
    private static TrackingOptions Options(string uri, List<string> warnings, Dictionary<string, string?>? environment = null) => new()
    {
        TrackingUri = uri,
        ExperimentName = "imdb",
        GetEnvironmentVariable = name => environment?.GetValueOrDefault(name),
        Warn = message =>
        {
            lock (warnings)
                warnings.Add(message);
        },
        RetryCooldown = TimeSpan.FromMilliseconds(100),
        FinalFlushTimeout = TimeSpan.FromSeconds(10),
        Rest = new MlflowRestClientOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) },
    };

    private static RunStart Run(TempFolder temp, string name) =>
        new(temp.Combine("runs", name)) { RunName = name, Tags = TrackingTags.System("imdbx", "0123abcd", "alice") };

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Still waiting for: {what}");
            await Task.Delay(20);
        }
    }

    private static string FileUri(TempFolder temp) => MlflowFileStore.ToFileUri(temp.Combine("mlruns"));

    [Theory]
    [InlineData(FakeMlflowServer.Availability.Unavailable503)]
    [InlineData(FakeMlflowServer.Availability.DropConnections)]
    [InlineData(FakeMlflowServer.Availability.Down)]
    public async Task Journal_ReplaysMetricsAfterServerOutage(FakeMlflowServer.Availability outage)
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var warnings = new List<string>();
        await using var tracker = RunTracker.Start(Run(temp, "outage"), Options(server.Uri, warnings));

        tracker.LogParams([new("training.learning_rate", "2e-05"), new("training.seed", "1")]);
        for (var step = 0; step < 10; step++)
            tracker.LogMetric("train/loss", 1.0 / (step + 1), step);
        await Eventually(() => server.Runs.SingleOrDefault()?.Metrics.Count == 10, "the first 10 points on the server");

        server.Mode = outage;
        for (var step = 10; step < 30; step++)
            tracker.LogMetric("train/loss", 1.0 / (step + 1), step);
        await Eventually(() => warnings.Count > 0, "a warning about the outage");
        server.Mode = FakeMlflowServer.Availability.Up;
        for (var step = 30; step < 40; step++)
            tracker.LogMetric("train/loss", 1.0 / (step + 1), step);
        var summary = await tracker.EndAsync();

        Assert.True(summary.AllSent, summary.Problem);
        var warning = Assert.Single(warnings);
        Assert.Contains(RunJournal.JournalFileName, warning);
        var run = server.Runs.Single();
        Assert.Equal(Enumerable.Range(0, 40).Select(step => (long)step), run.Metrics.Select(metric => metric.Step).Order());
        Assert.Equal("2e-05", run.Params["training.learning_rate"]);
        Assert.Equal("FINISHED", run.Status);
        Assert.Equal(summary.RunId, run.RunId);
    }

    [Fact]
    public async Task Sync_SendsWhatTheRunCouldNotAndReplayingAgainDuplicatesNothing()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503 };
        var warnings = new List<string>();
        var options = Options(server.Uri, warnings) with { FinalFlushTimeout = TimeSpan.FromSeconds(2) };
        var start = Run(temp, "offline");
        File.WriteAllText(temp.Combine("metrics.json"), "{\"accuracy\": 0.91}");
        TrackingSummary summary;
        await using (var tracker = RunTracker.Start(start, options))
        {
            tracker.LogParams([new("model.name", "bert-base-uncased")]);
            for (var step = 0; step < 20; step++)
                tracker.LogMetrics([new("train/loss", 1.0 / (step + 1)), new("train/learning_rate", 2e-5)], step);
            tracker.SetTag("imdbx.spec_hash", "abc");
            tracker.LogInput(DatasetInput.FromUrl("imdb", "d1g3st", "https://example.org/aclImdb_v1.tar.gz", "train"));
            tracker.LogArtifact(temp.Combine("metrics.json"));
            summary = await tracker.EndAsync();
        }
        Assert.False(summary.AllSent);
        Assert.Contains(RunJournal.JournalFileName, summary.Problem);
        Assert.Empty(server.Runs);

        server.Mode = FakeMlflowServer.Availability.Up;
        var first = await TrackingSync.SyncAsync(start.RunFolder, options);
        var second = await TrackingSync.SyncAsync(start.RunFolder, options);
        File.Delete(Path.Combine(start.RunFolder, RunJournal.AckFileName)); // as if the process died before acknowledging
        var third = await TrackingSync.SyncAsync(start.RunFolder, options);

        Assert.Equal((SyncOutcome.Synced, 0L), (first.Outcome, first.PendingEvents));
        Assert.Equal(SyncOutcome.UpToDate, second.Outcome);
        Assert.Equal(SyncOutcome.Synced, third.Outcome);
        var run = Assert.Single(server.Runs);
        Assert.Equal(40, run.Metrics.Count);
        Assert.Equal("bert-base-uncased", run.Params["model.name"]);
        Assert.Equal("abc", run.Tags["imdbx.spec_hash"]);
        Assert.Equal("alice", run.Tags[TrackingTags.User]);
        Assert.Equal("0123abcd", run.Tags[TrackingTags.GitCommit]);
        Assert.Equal("offline", run.Tags[TrackingTags.RunName]);
        Assert.Single(run.Inputs);
        Assert.Equal("FINISHED", run.Status);
        Assert.Contains($"{run.ExperimentId}/{run.RunId}/artifacts/metrics.json", server.Artifacts.Keys);
        Assert.Equal(run.RunId, third.RunId);
    }

    [Fact]
    public async Task Journal_TornLastLineIsIgnoredOnReplayAndCutWhenTheRunResumes()
    {
        using var temp = new TempFolder();
        var warnings = new List<string>();
        var options = Options(FileUri(temp), warnings);
        var start = Run(temp, "torn");
        await using (var tracker = RunTracker.Start(start, options))
        {
            tracker.LogMetric("loss", 0.5, 0);
            await tracker.EndAsync();
        }
        var journal = Path.Combine(start.RunFolder, RunJournal.JournalFileName);
        File.AppendAllText(journal, "{\"seq\":99,\"time\":1,\"type\":\"log\",\"metr");

        var sync = await TrackingSync.SyncAsync(start.RunFolder, options);
        await using (var resumed = RunTracker.Resume(start.RunFolder, options))
        {
            resumed.LogMetric("loss", 0.25, 1);
            await resumed.EndAsync();
        }

        Assert.Equal(SyncOutcome.UpToDate, sync.Outcome);
        var lines = File.ReadAllLines(journal);
        Assert.All(lines, line => Assert.StartsWith("{\"seq\":", line));
        Assert.DoesNotContain(lines, line => line.Contains("\"seq\":99"));
        var store = new MlflowFileStore(temp.Combine("mlruns"));
        var experiment = MlflowFileStoreReader.Experiments(store.RootDirectory).Single(e => e.Name == "imdb");
        var run = Assert.Single(MlflowFileStoreReader.Runs(store.RootDirectory, experiment.Id));
        Assert.Equal([0L, 1L], run.Metrics["loss"].Select(point => point.Step));
        Assert.Equal(3, run.Status);
    }

    [Fact]
    public async Task Tracker_NeverThrowsAndWarnsOnceWhenTheServerIsUnreachable()
    {
        using var temp = new TempFolder();
        string uri;
        using (var closed = new FakeMlflowServer())
            uri = closed.Uri;
        var warnings = new List<string>();
        File.WriteAllText(temp.Combine("spec.yaml"), "seed: 1\n");
        await using var tracker = RunTracker.Start(Run(temp, "unreachable"), Options(uri, warnings) with { FinalFlushTimeout = TimeSpan.FromSeconds(3) });

        tracker.LogParam("seed", "1");
        for (var step = 0; step < 200; step++)
            tracker.LogMetric("train/loss", 1.0 / (step + 1), step);
        tracker.LogArtifact(temp.Combine("spec.yaml"), "spec");
        await Eventually(() => warnings.Count > 0, "the warning");
        for (var step = 200; step < 400; step++)
            tracker.LogMetric("train/loss", 1.0 / (step + 1), step);
        var summary = await tracker.EndAsync();

        Assert.Single(warnings);
        Assert.Contains(uri, warnings[0]);
        Assert.Equal(1 + 1 + 400 + 1 + 1, summary.PendingEvents);
        Assert.NotNull(summary.Problem);
        Assert.Null(summary.RunId);
    }

    [Fact]
    public async Task Tracker_ResumedRunKeepsItsParamsAndRefusesToChangeThem()
    {
        using var temp = new TempFolder();
        var warnings = new List<string>();
        var options = Options(FileUri(temp), warnings);
        var start = Run(temp, "resumed");
        string? runId;
        await using (var tracker = RunTracker.Start(start, options))
        {
            tracker.LogParam("lr", "0.1");
            tracker.LogMetric("loss", 0.9, 0);
            await Eventually(() => tracker.RunId is not null, "the run on the backend");
            runId = tracker.RunId;
        } // disposed without EndAsync: KILLED, like a crash or Ctrl-C

        await using (var resumed = RunTracker.StartOrResume(start, options))
        {
            resumed.LogParam("lr", "0.1");
            resumed.LogParam("lr", "0.2");
            resumed.LogMetric("loss", 0.5, 1);
            var summary = await resumed.EndAsync();
            Assert.True(summary.AllSent, summary.Problem);
            Assert.Equal(runId, summary.RunId);
        }

        var warning = Assert.Single(warnings);
        Assert.Contains("'lr'", warning);
        Assert.Contains("cannot change", warning);
        var experiment = MlflowFileStoreReader.Experiments(temp.Combine("mlruns")).Single(e => e.Name == "imdb");
        var run = Assert.Single(MlflowFileStoreReader.Runs(temp.Combine("mlruns"), experiment.Id));
        Assert.Equal("0.1", run.Params["lr"]);
        Assert.Equal(2, run.Metrics["loss"].Count);
        Assert.Equal(3, run.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tracker_ChildRunsCarryTheirParentsRunId(bool rest)
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var warnings = new List<string>();
        var options = Options(rest ? server.Uri : FileUri(temp), warnings);
        string? parentId, childId;
        await using (var parent = RunTracker.Start(Run(temp, "sweep"), options))
        {
            await using (var child = parent.StartChild(new RunStart(temp.Combine("runs", "sweep", "trial-0")) { RunName = "trial-0" }))
            {
                child.LogParam("training.learning_rate", "3e-05");
                childId = (await child.EndAsync()).RunId;
            }
            parentId = (await parent.EndAsync()).RunId;
        }

        Assert.NotNull(parentId);
        Assert.Empty(warnings);
        IReadOnlyDictionary<string, string> childTags = rest
            ? server.Runs.Single(run => run.RunId == childId).Tags
            : MlflowFileStoreReader.Runs(temp.Combine("mlruns"), MlflowFileStoreReader.Experiments(temp.Combine("mlruns")).Single(e => e.Name == "imdb").Id)
                .Single(run => run.RunId == childId).Tags;
        Assert.Equal(parentId, childTags[TrackingTags.ParentRunId]);
        Assert.Equal(("alice", "0123abcd", "trial-0"), (childTags[TrackingTags.User], childTags[TrackingTags.GitCommit], childTags[TrackingTags.RunName]));
    }

    [Fact]
    public async Task Tracker_EndsFailedRunsWithTheExceptionAndDisposedRunsAsKilled()
    {
        using var temp = new TempFolder();
        var options = Options(FileUri(temp), []);
        await using (var failed = RunTracker.Start(Run(temp, "failed"), options))
            await failed.EndAsync(RunStatus.Failed, new InvalidOperationException("CUDA out of memory"));
        await using (RunTracker.Start(Run(temp, "killed"), options))
        {
        }

        var experiment = MlflowFileStoreReader.Experiments(temp.Combine("mlruns")).Single(e => e.Name == "imdb");
        var runs = MlflowFileStoreReader.Runs(temp.Combine("mlruns"), experiment.Id).ToDictionary(run => run.RunName);
        Assert.Equal(4, runs["failed"].Status);
        Assert.Contains("InvalidOperationException: CUDA out of memory", runs["failed"].Tags[TrackingTags.Error]);
        Assert.NotNull(runs["failed"].EndTime);
        Assert.Equal(5, runs["killed"].Status);
    }

    [Fact]
    public async Task Tracker_LongParamValueIsCutAndLoggedWholeAsAnArtifact()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var warnings = new List<string>();
        var value = string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i % 10}abcdefghi"));
        await using var tracker = RunTracker.Start(Run(temp, "long"), Options(server.Uri, warnings));

        tracker.LogParam("data/vocabulary", value);
        tracker.LogParam("data/vocabulary", value);
        var summary = await tracker.EndAsync();

        Assert.True(summary.AllSent, summary.Problem);
        Assert.Equal(10_000, value.Length);
        var run = server.Runs.Single();
        Assert.Equal(value[..6000], run.Params["data/vocabulary"]);
        var artifact = server.Artifacts[$"{run.ExperimentId}/{run.RunId}/artifacts/truncated_params/data/vocabulary.txt"];
        Assert.Equal(value, Encoding.UTF8.GetString(artifact));
        Assert.Contains("data/vocabulary", Assert.Single(warnings));
        Assert.Single(server.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Tracker_KeyWithForbiddenCharactersIsLoggedUnderTheNearestAcceptedKey()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var warnings = new List<string>();
        await using var tracker = RunTracker.Start(Run(temp, "keys"), Options(server.Uri, warnings));

        tracker.LogMetric("validation/acc@1", 0.9, 0);
        tracker.LogMetric("validation/acc@1", 0.95, 1);
        tracker.LogMetric("validation/loss", 0.3, 1);
        var summary = await tracker.EndAsync();

        Assert.True(summary.AllSent, summary.Problem);
        var warning = Assert.Single(warnings);
        Assert.Contains("'validation/acc@1'", warning);
        Assert.Contains("'validation/acc_1'", warning);
        var metrics = server.Runs.Single().Metrics;
        Assert.Equal([0.9, 0.95], metrics.Where(metric => metric.Key == "validation/acc_1").Select(metric => metric.Value));
        Assert.Single(metrics, metric => metric.Key == "validation/loss");
    }

    [Fact]
    public async Task Tracker_FiveThousandMetricsAtOnceReachTheServerInAllowedBatches()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var warnings = new List<string>();
        await using var tracker = RunTracker.Start(Run(temp, "wide"), Options(server.Uri, warnings));

        tracker.LogMetrics(Enumerable.Range(0, 5000).Select(i => new KeyValuePair<string, double>($"probe/{i}", i)), step: 0);
        var summary = await tracker.EndAsync();

        Assert.True(summary.AllSent, summary.Problem);
        Assert.Empty(warnings);
        Assert.Equal(5000, server.Runs.Single().Metrics.Select(metric => metric.Key).Distinct().Count());
        Assert.All(server.Requests.Where(r => r.Path.EndsWith("/runs/log-batch")), r => Assert.True(r.Status == 200 && r.Metrics <= 1000));
    }

    [Fact]
    public async Task Secrets_TheTokenIsNeverWrittenLoggedOrSent()
    {
        const string token = "tok-SECRET-7f3a9b21";
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer { RequiredAuthorization = "Bearer " + token };
        var warnings = new List<string>();
        var environment = new Dictionary<string, string?> { [MlflowCredentials.TokenVariable] = token };
        var options = Options(server.Uri, warnings, environment);
        File.WriteAllText(temp.Combine("leaky.txt"), $"MLFLOW_TRACKING_TOKEN={token}\n");
        File.WriteAllText(temp.Combine("clean.txt"), "nothing to hide\n");
        TrackingSummary summary;
        await using (var tracker = RunTracker.Start(Run(temp, "secret"), options))
        {
            tracker.LogParam("cli.args", $"--token {token} --epochs 3");
            tracker.SetTag("note", $"token is {token}");
            tracker.LogArtifact(temp.Combine("leaky.txt"));
            tracker.LogArtifact(temp.Combine("clean.txt"));
            tracker.LogMetric($"weird/{token}", 1, 0);
            await Eventually(() => server.Runs.Count == 1, "the run on the server");
            server.RequiredAuthorization = "Bearer someone-else"; // now every request is refused with 401
            tracker.LogMetric("loss", 0.5, 1);
            await Eventually(() => warnings.Any(warning => warning.Contains("HTTP 401")), "a warning about the refusal");
            server.RequiredAuthorization = "Bearer " + token;
            summary = await tracker.EndAsync(RunStatus.Failed, new InvalidOperationException($"login with {token} failed"));
        }
        var sync = await TrackingSync.SyncAsync(temp.Combine("runs", "secret"), options);

        Assert.Equal(SyncOutcome.Synced, sync.Outcome);
        var run = server.Runs.Single();
        Assert.Equal("--token *** --epochs 3", run.Params["cli.args"]);
        Assert.Equal("FAILED", run.Status);
        Assert.Contains("clean.txt", string.Join(",", server.Artifacts.Keys));
        Assert.DoesNotContain("leaky.txt", string.Join(",", server.Artifacts.Keys));
        var everything = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories).Where(file => !file.EndsWith("leaky.txt")))
            everything.Append(file).Append(File.ReadAllText(file));
        everything.AppendJoin("\n", warnings).Append(summary.Problem).Append(sync.Message);
        everything.AppendJoin("\n", run.Params.Values).AppendJoin("\n", run.Tags.Values).AppendJoin("\n", run.Tags.Keys).AppendJoin("\n", run.Metrics.Select(m => m.Key));
        foreach (var artifact in server.Artifacts)
            everything.Append(artifact.Key).Append(Encoding.UTF8.GetString(artifact.Value));
        Assert.Contains("***", everything.ToString());
        Assert.DoesNotContain(token, everything.ToString());
    }
}
