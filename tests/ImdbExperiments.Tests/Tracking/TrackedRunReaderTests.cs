using ImdbExperiments.Tests.Reporting;
using ImdbExperiments.Reporting;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

[Collection(TrackedSweepCollection.Name)]
public sealed class TrackedRunReaderTests(TrackedSweepStore store)
{
    [Fact]
    public async Task FileStore_ReadsEveryRunOfTheExperiment_AsMlflowsReaderSeesThem()
    {
        var summary = store.Summary;
        var mlruns = store.MlrunsFolder;

        var runs = await TrackedRunReader.ReadRunsAsync("file:mlruns", TrackedSweep.Experiment, baseDirectory: store.Root);

        Assert.Equal(7, runs.Count);
        var parent = Assert.Single(runs, r => r.IsSweepParent);
        var trials = runs.Where(r => !r.IsSweepParent).ToList();
        Assert.All(trials, t => Assert.Equal(parent.RunId, t.ParentRunId));
        Assert.Equal(summary.Trials.Select(t => t.Trial.Name).Order(), trials.Select(t => t.SweepTrial!).Order());
        Assert.Equal(summary.Trials.Select(t => t.Trial.Name).Order(), trials.Select(t => t.Name).Order());
        Assert.Equal(RunStatus.Failed, Assert.Single(trials, t => t.Status != RunStatus.Finished).Status);

        // Independently of our reader: the test suite's own FileStore reader (YamlDotNet with PyYAML's typing).
        var experimentId = MlflowFileStoreReader.Experiments(mlruns).Single(e => e.Name == TrackedSweep.Experiment).Id;
        foreach (var expected in MlflowFileStoreReader.Runs(mlruns, experimentId))
        {
            var run = Assert.Single(runs, r => r.RunId == expected.RunId);
            Assert.Equal(expected.RunName, run.Name);
            Assert.Equal((RunStatus)expected.Status, run.Status);
            Assert.Equal(expected.StartTime, run.StartTime.ToUnixTimeMilliseconds());
            Assert.Equal(expected.EndTime, run.EndTime?.ToUnixTimeMilliseconds());
            Assert.Equal(expected.Params.OrderBy(p => p.Key), run.Params.OrderBy(p => p.Key));
            Assert.Equal(expected.Tags.OrderBy(p => p.Key), run.Tags.OrderBy(p => p.Key));
            Assert.Equal(expected.Metrics.Keys.Order(), run.MetricHistories.Keys.Order());
            foreach (var (key, points) in expected.Metrics)
            {
                Assert.Equal(points.OrderBy(p => p.Step).Select(p => (p.Step, p.Value)), run.MetricHistories[key].Select(p => (p.Step, p.Value)));
                Assert.Equal(points.MaxBy(p => (p.Step, p.Timestamp)).Value, run.Metrics[key]);
            }
        }

        var best = summary.Best!;
        Assert.Equal("trial-001", best.Trial.Name); // batch 16, 3e-5
        Assert.Equal(best.Result.Metrics["validation/f1"], parent.Metrics["validation/f1"]);
        Assert.Equal(best.Result.RunId, parent.Tags[SweepTags.BestRunId]);
        Assert.Equal("training.batch_size,training.learning_rate", parent.Tags[SweepTags.Parameters]);
    }

    [Fact]
    public async Task MlflowServer_GivesTheSameRunsAsTheFileStore_PageByPage()
    {
        var fromFiles = TrackedRunReader.ReadFileStore(store.MlrunsFolder, TrackedSweep.Experiment);
        // Pages of two runs and of 50 points, int64 spelled as strings: what a client must also read.
        using var server = new FakeMlflowServer { RequiredAuthorization = "Bearer s3cret-token", RunsPerSearchPage = 2, PointsPerHistoryPage = 50, Int64AsStrings = true };
        var experimentId = server.AddExperiment(TrackedSweep.Experiment);
        foreach (var run in fromFiles)
        {
            server.AddRun(Served(run, experimentId));
        }

        var environment = new Dictionary<string, string?> { [MlflowCredentials.TokenVariable] = "s3cret-token" };

        var fromServer = await TrackedRunReader.ReadRunsAsync(server.Uri, TrackedSweep.Experiment, getEnvironmentVariable: environment.GetValueOrDefault,
            restOptions: TrackedSweep.Options(server.Uri).Rest);

        Assert.Equal(fromFiles.Count, fromServer.Count);
        Assert.Equal(4, server.Requests.Count(r => r.Path.EndsWith("runs/search", StringComparison.Ordinal)));
        foreach (var expected in fromFiles)
        {
            var run = Assert.Single(fromServer, r => r.RunId == expected.RunId);
            Assert.Equal((expected.Name, expected.Status, expected.StartTime, expected.EndTime), (run.Name, run.Status, run.StartTime, run.EndTime));
            Assert.Equal(expected.Params, run.Params);
            Assert.Equal(expected.Tags, run.Tags);
            Assert.Equal(expected.Metrics, run.Metrics);
            Assert.Equal(expected.MetricHistories.Keys.Order(), run.MetricHistories.Keys.Order());
            Assert.All(expected.MetricHistories, h => Assert.Equal(h.Value, run.MetricHistories[h.Key]));
            Assert.Equal(expected.ParentRunId, run.ParentRunId);
        }

        var missing = await Assert.ThrowsAsync<TrackingException>(() =>
            TrackedRunReader.ReadRunsAsync(server.Uri, "nope", getEnvironmentVariable: environment.GetValueOrDefault, restOptions: TrackedSweep.Options(server.Uri).Rest));
        Assert.Contains("no experiment named 'nope'", missing.Message);
    }

    [Fact]
    public void AnUnknownExperiment_NamesTheOnesThatExist()
    {
        var error = Assert.Throws<TrackingException>(() => TrackedRunReader.ReadFileStore(store.MlrunsFolder, "imdb-lr-swep"));

        Assert.Contains("no experiment named 'imdb-lr-swep'", error.Message);
        Assert.Contains($"'{TrackedSweep.Experiment}'", error.Message);
        Assert.Contains("does not exist", Assert.Throws<TrackingException>(() => TrackedRunReader.ReadFileStore(Path.Combine(store.Root, "nothing"), "x")).Message);
    }

    [Fact]
    public void DeletedRuns_AreLeftOut()
    {
        using var temp = new TempFolder();
        var copy = temp.Combine("mlruns");
        CopyFolder(store.MlrunsFolder, copy);
        var victim = TrackedRunReader.ReadFileStore(copy, TrackedSweep.Experiment).First(r => r.Name == "trial-001");
        var meta = Path.Combine(copy, victim.ExperimentId, victim.RunId, "meta.yaml");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("lifecycle_stage: active", "lifecycle_stage: deleted", StringComparison.Ordinal));

        var runs = TrackedRunReader.ReadFileStore(copy, TrackedSweep.Experiment);

        Assert.Equal(6, runs.Count);
        Assert.DoesNotContain(runs, r => r.RunId == victim.RunId);
    }

    private static FakeMlflowServer.FakeRun Served(RunRecord run, string experimentId)
    {
        var served = new FakeMlflowServer.FakeRun
        {
            RunId = run.RunId,
            ExperimentId = experimentId,
            Name = run.Name,
            StartTime = run.StartTime.ToUnixTimeMilliseconds(),
            EndTime = run.EndTime?.ToUnixTimeMilliseconds(),
            Status = run.Status.ToString().ToUpperInvariant(),
        };
        foreach (var (key, value) in run.Params)
        {
            served.Params[key] = value;
        }

        foreach (var (key, value) in run.Tags)
        {
            served.Tags[key] = value;
        }

        served.Metrics.AddRange(run.MetricHistories.Values.SelectMany(points => points).Select(p => (p.Key, p.Value, p.TimestampMs, p.Step)));
        return served;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
