using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Reporting;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepTrackerTests
{
    [Fact]
    public async Task AnInterruptedTrial_StartedAgain_IsTheSameChildRun()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("sweep.yaml"), TrackedSweep.SweepYaml);
        var sweep = SpecLoader.Load("sweep.yaml", [], temp.Path);
        var trials = SweepPlanner.Plan(sweep);
        var options = TrackedSweep.Options(MlflowFileStore.ToFileUri(temp.Combine("mlruns")));
        var trialFolder = temp.Combine("runs", trials[0].Name);

        await using (var parent = RunTracker.Start(new RunStart(temp.Combine("runs", "sweep")) { RunName = "sweep" }, options))
        {
            var tracker = new SweepTracker(parent, sweep, options);
            tracker.LogSweep(trials);
            await using (var first = tracker.StartTrial(trials[0], trialFolder))
            {
                first.LogMetric("train/loss", 0.7, 1);
            } // disposed without an end: KILLED, as when the process is stopped

            await using (var again = tracker.StartTrial(trials[0], trialFolder))
            {
                again.LogMetric("train/loss", 0.6, 2);
                await again.EndAsync();
            }

            await parent.EndAsync();
        }

        var store = temp.Combine("mlruns");
        var runs = MlflowFileStoreReader.Runs(store, MlflowFileStoreReader.Experiments(store).Single(e => e.Name == TrackedSweep.Experiment).Id);
        var parentRun = Assert.Single(runs, r => !r.Tags.ContainsKey(TrackingTags.ParentRunId));
        var child = Assert.Single(runs, r => r.Tags.ContainsKey(TrackingTags.ParentRunId));
        Assert.Equal(parentRun.RunId, child.Tags[TrackingTags.ParentRunId]);
        Assert.Equal(trials[0].Name, child.Tags[SweepTags.Trial]);
        Assert.Equal(trials[0].SpecHash, child.Tags[SweepTags.SpecHash]);
        Assert.Equal("1E-05", child.Params["training.learning_rate"]);
        Assert.Equal([1L, 2L], child.Metrics["train/loss"].Select(p => p.Step));
        Assert.Equal((int)RunStatus.Finished, child.Status);
        Assert.Equal("grid", parentRun.Tags[SweepTags.Method]);
        Assert.Equal("6", parentRun.Tags[SweepTags.TrialCount]);
    }
}
