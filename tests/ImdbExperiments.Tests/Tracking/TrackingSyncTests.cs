using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

public sealed class TrackingSyncTests
{
    const string Token = "tok-TODAY-5e1f0c77";

    static TrackingOptions Options(string uri, Dictionary<string, string?> environment, List<string> warnings) => new()
    {
        TrackingUri = uri,
        ExperimentName = "imdb",
        GetEnvironmentVariable = name => environment.GetValueOrDefault(name),
        Warn = message => { lock (warnings) warnings.Add(message); },
        RetryCooldown = TimeSpan.FromMilliseconds(100),
        FinalFlushTimeout = TimeSpan.FromSeconds(1),
        Rest = new MlflowRestClientOptions { MaxRetries = 0, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) },
    };

    /// <summary>A run recorded at <paramref name="uri"/> while that server was down: its journal holds everything.</summary>
    static async Task RecordOfflineAsync(TempFolder temp, string name, TrackingOptions options)
    {
        await using var tracker = RunTracker.Start(new RunStart(temp.Combine("runs", name)) { RunName = name }, options);
        tracker.LogMetric("train/loss", 0.5, 1);
        await tracker.EndAsync();
    }

    [Fact]
    public async Task Sync_SendsOnlyJournalsOfTodaysTarget_AndNeverGivesTodaysCredentialsToAnotherServer()
    {
        using var temp = new TempFolder();
        using var old = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503 };
        using var today = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503, RequiredAuthorization = "Bearer " + Token };
        var warnings = new List<string>();
        var environment = new Dictionary<string, string?> { [MlflowCredentials.TokenVariable] = Token };
        await RecordOfflineAsync(temp, "old-run", Options(old.Uri, environment, warnings));
        await RecordOfflineAsync(temp, "new-run", Options(today.Uri, environment, warnings));
        old.Mode = FakeMlflowServer.Availability.Up;
        today.Mode = FakeMlflowServer.Availability.Up;
        // The old server would take today's token: were it sent there, the run would appear on it.
        old.RequiredAuthorization = "Bearer " + Token;
        var oldRequests = old.Requests.Count;

        var results = await TrackingSync.SyncAllAsync(temp.Combine("runs"), Options(today.Uri, environment, warnings));

        Assert.Equal(SyncOutcome.OtherTarget, results.Single(r => Path.GetFileName(r.RunFolder) == "old-run").Outcome);
        Assert.Equal(SyncOutcome.Synced, results.Single(r => Path.GetFileName(r.RunFolder) == "new-run").Outcome);
        Assert.Equal(oldRequests, old.Requests.Count);
        Assert.Single(today.Runs);

        var all = await TrackingSync.SyncAllAsync(temp.Combine("runs"), Options(today.Uri, environment, warnings), new SyncSelection { AllTargets = true });

        Assert.Equal(SyncOutcome.Failed, all.Single(r => Path.GetFileName(r.RunFolder) == "old-run").Outcome);
        Assert.True(old.Requests.Count > oldRequests);
        Assert.All(old.Requests.Skip(oldRequests), request => Assert.Equal(401, request.Status));
        Assert.Empty(old.Runs);
    }

    [Fact]
    public async Task SyncOfOneExperiment_LeavesOtherExperimentsRunsPending()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503 };
        var warnings = new List<string>();
        var environment = new Dictionary<string, string?>();
        await RecordOfflineAsync(temp, "mine", Options(server.Uri, environment, warnings) with { ExperimentName = "mine" });
        await RecordOfflineAsync(temp, "theirs", Options(server.Uri, environment, warnings) with { ExperimentName = "theirs" });
        server.Mode = FakeMlflowServer.Availability.Up;

        var results = await TrackingSync.SyncAllAsync(temp.Combine("runs"), Options(server.Uri, environment, warnings), new SyncSelection { Experiment = "mine" });

        var result = Assert.Single(results);
        Assert.Equal(("mine", SyncOutcome.Synced), (Path.GetFileName(result.RunFolder), result.Outcome));
        Assert.NotNull(server.ExperimentId("mine"));
        Assert.Null(server.ExperimentId("theirs"));
        Assert.True(RunJournal.PendingEvents(temp.Combine("runs", "theirs")) > 0);
    }

    [Fact]
    public async Task AReopenedRunThatLogsNothingNew_JournalsNothing()
    {
        using var temp = new TempFolder();
        var warnings = new List<string>();
        var options = Options(MlflowFileStore.ToFileUri(temp.Combine("mlruns")), [], warnings);
        var start = new RunStart(temp.Combine("runs", "again")) { RunName = "again", Tags = new Dictionary<string, string> { ["team"] = "nlp" } };
        File.WriteAllText(temp.Combine("notes.txt"), "same bytes");
        async Task RecordAsync()
        {
            await using var tracker = RunTracker.StartOrResume(start, options);
            tracker.LogParam("lr", "2e-5");
            tracker.SetTag("team", "nlp");
            tracker.LogMetrics([new("train/loss", 0.5), new("epoch", 0.25)], 1);
            tracker.LogArtifact(temp.Combine("notes.txt"));
            await tracker.EndAsync();
        }
        await RecordAsync();
        var journal = File.ReadAllBytes(Path.Combine(start.RunFolder, RunJournal.JournalFileName));

        await RecordAsync();

        Assert.Equal(journal, File.ReadAllBytes(Path.Combine(start.RunFolder, RunJournal.JournalFileName)));
        Assert.Empty(warnings);
    }
}
