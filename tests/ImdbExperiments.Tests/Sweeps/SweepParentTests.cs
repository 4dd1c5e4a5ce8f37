using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Reporting;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepParentTests
{
    /// <summary>What the sweep command does with its parent run, with every trial's result given.</summary>
    static async Task RecordParentAsync(string folder, ResolvedSpec sweep, TrackingOptions options)
    {
        var trials = SweepPlanner.Plan(sweep);
        var tags = RunTracking.RunTags(sweep, "0123abcd");
        await using var parent = RunTracker.StartOrResume(new RunStart(folder) { RunName = "lr-sweep", Tags = tags }, options);
        var tracker = new SweepTracker(parent, sweep, options);
        tracker.LogSweep(trials);
        var summary = SweepSummary.Create(sweep.Spec.Sweep!.Metric, sweep.Spec.Sweep.Goal, trials.Select(trial =>
            (trial, new TrialResult { Metrics = new Dictionary<string, double> { ["validation/f1"] = 0.8 + trial.Index / 100.0, ["test/accuracy"] = 0.7 } }, false)));
        tracker.LogBest(summary);
        tracker.LogTable(summary, folder);
        await parent.EndAsync();
    }

    [Fact]
    public async Task SweepParent_RecordsTheSweepsDefinitionSourceAndTable_AndARerunAddsNothing()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        File.WriteAllText(temp.Combine("lr-sweep.yaml"), TrackedSweep.SweepYaml);
        var sweep = SpecLoader.Load(temp.Combine("lr-sweep.yaml"), [], temp.Path);
        var options = TrackedSweep.Options(server.Uri);
        var folder = temp.Combine("runs", "lr-sweep");

        await RecordParentAsync(folder, sweep, options);
        var requests = server.Requests.Count;
        await RecordParentAsync(folder, sweep, options);

        Assert.Equal(requests, server.Requests.Count);
        var parent = Assert.Single(server.Runs);
        Assert.Equal("grid", parent.Params["sweep.method"]);
        Assert.Equal("validation/f1", parent.Params["sweep.metric"]);
        Assert.Equal("maximize", parent.Params["sweep.goal"]);
        Assert.Contains("3e-05", parent.Params["sweep.training.learning_rate"], StringComparison.OrdinalIgnoreCase);
        Assert.Equal("[16, 32]", parent.Params["sweep.training.batch_size"]);
        Assert.False(parent.Params.ContainsKey("training.learning_rate")); // the base value no trial used
        Assert.Equal("0123abcd", parent.Tags[TrackingTags.GitCommit]);
        Assert.Equal(sweep.SourcePath, parent.Tags[TrackingTags.SourceName]);
        Assert.True(parent.Tags.ContainsKey(TrackingTags.User));
        var best = Assert.Single(parent.Metrics, m => m.Key == "validation/f1");
        Assert.Equal(0.85, best.Value, 10);
        Assert.Contains(server.Artifacts.Keys, key => key.EndsWith("/artifacts/" + SweepTracker.TableFileName, StringComparison.Ordinal));
        Assert.Equal("FINISHED", parent.Status);
    }
}
