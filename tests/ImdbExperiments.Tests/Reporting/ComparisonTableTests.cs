using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;
using Spectre.Console;

namespace ImdbExperiments.Tests.Reporting;

[Collection(TrackedSweepCollection.Name)]
public sealed class ComparisonTableTests(TrackedSweepStore store)
{
    private static RunRecord Run(string name, int minute, Dictionary<string, string> parameters, Dictionary<string, double> metrics, RunStatus status = RunStatus.Finished) => new()
    {
        RunId = name + "-id",
        ExperimentId = "1",
        Name = name,
        Status = status,
        StartTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + minute * 60),
        EndTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + minute * 60 + 125),
        Params = parameters,
        Metrics = metrics,
    };

    private static readonly RunRecord[] Runs =
    [
        Run("a", 0, new() { ["training.learning_rate"] = "1E-05", ["seed"] = "42", ["model.name"] = "m" }, new() { ["validation/f1"] = 0.85, ["test/tp"] = 10, ["train/loss"] = 0.31 }),
        Run("b", 1, new() { ["training.learning_rate"] = "3E-05", ["seed"] = "42", ["model.name"] = "m" }, new() { ["validation/f1"] = 0.91, ["train/loss"] = 0.22 }),
        Run("c", 2, new() { ["training.learning_rate"] = "1E-04", ["seed"] = "42" }, new() { ["validation/f1"] = 0.95 }, RunStatus.Failed),
        Run("d", 3, new() { ["training.learning_rate"] = "5E-05", ["seed"] = "42", ["model.name"] = "m" }, new()),
    ];

    [Fact]
    public void Columns_AreTheParamsThatDiffer_AndTheFinalMetrics()
    {
        var table = ComparisonTable.Build(Runs);

        Assert.Equal(["model.name", "training.learning_rate"], table.ParamColumns);
        Assert.Equal(["validation/f1", "train/loss"], table.MetricColumns);
        Assert.Equal(["a", "b", "c", "d"], table.Rows.Select(r => r.Run.Name));
        Assert.Equal(["", "1E-04"], table.Rows[2].Params);
        Assert.Equal([0.91, 0.22], table.Rows[1].Metrics);
        Assert.DoesNotContain(table.Rows, r => r.IsBest);
        Assert.Equal(["train/loss"], ComparisonTable.Build(Runs, showMetric: k => k.StartsWith("train/", StringComparison.Ordinal)).MetricColumns);
    }

    [Fact]
    public void WithASortMetric_FinishedRunsComeFirst_BestFirst()
    {
        var maximize = ComparisonTable.Build(Runs, "validation/f1");
        var minimize = ComparisonTable.Build(Runs, "train/loss", SweepGoal.Minimize);

        Assert.Equal(["b", "a", "c", "d"], maximize.Rows.Select(r => r.Run.Name)); // c is better but failed
        Assert.Equal("b", Assert.Single(maximize.Rows, r => r.IsBest).Run.Name);
        Assert.Equal(["b", "a", "c", "d"], minimize.Rows.Select(r => r.Run.Name));
    }

    [Fact]
    public void Terminal_ShowsEveryTrialOfASweep_SortedByItsMetric_WithTheBestMarked()
    {
        var runs = TrackedRunReader.ReadFileStore(store.MlrunsFolder, TrackedSweep.Experiment);

        var table = ComparisonTable.Build(runs);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 220;
        table.Write(console);
        var text = writer.ToString();

        Assert.Equal("validation/f1", table.SortMetric);
        Assert.Equal(["training.batch_size", "training.learning_rate"], table.ParamColumns);
        Assert.Equal("trial-001", table.Rows[0].Run.Name);
        Assert.Equal(6, table.Rows.Count);
        var lines = text.Split('\n');
        var order = Enumerable.Range(0, 6).Select(i => $"trial-00{i}").OrderBy(name => Array.FindIndex(lines, l => l.Contains(name, StringComparison.Ordinal))).ToList();
        Assert.Equal(table.Rows.Select(r => r.Run.Name), order);
        Assert.Contains("trial-001 (best)", text);
        Assert.DoesNotContain("lr-sweep", text);
        Assert.Contains("failed", text);
        Assert.Contains("validation/f1", text);
    }
}
