using ImdbExperiments.Tests.Reporting;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Cli;

public sealed class CompareCommandTests
{
    [Fact]
    public async Task CompareAndReport_GroupByAKey_AndAnUnknownKeyIsOneLine()
    {
        using var project = new TempFolder();
        var store = project.Combine("mlruns");
        await TrackedSweep.TrackAsync(project.Combine("work"), MlflowFileStore.ToFileUri(store));
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "lr.yaml"), $"model:\n  name: bert-base-uncased\ntracking:\n  uri: {MlflowFileStore.ToFileUri(store)}\n  experiment: {TrackedSweep.Experiment}\n");

        var compare = ImdbxProcess.Run(project.Path, "compare", "--experiment", "lr", "--group-by", "training.batch_size");
        var report = ImdbxProcess.Run(project.Path, "report", "--experiment", "lr", "--group-by", "training.batch_size", "--output", "r.html");
        var unknown = ImdbxProcess.Run(project.Path, "compare", "--experiment", "lr", "--group-by", "training.batch");

        Assert.True(compare.ExitCode == 0, compare.Stdout + compare.Stderr);
        Assert.Contains("Runs grouped by training.batch_size", compare.Stdout);
        Assert.Contains(" ± ", compare.Stdout);
        Assert.True(report.ExitCode == 0, report.Stdout + report.Stderr);
        Assert.Contains("<h2>Runs grouped by <code>training.batch_size</code></h2>", File.ReadAllText(project.Combine("r.html")));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("", unknown.Stdout);
        Assert.StartsWith("error: --group-by training.batch: no run of the experiment has that key as a param (params the runs have: ", unknown.Stderr);
        Assert.Single(unknown.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
