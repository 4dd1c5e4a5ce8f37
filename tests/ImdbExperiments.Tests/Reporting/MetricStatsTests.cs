using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;
using Spectre.Console;

namespace ImdbExperiments.Tests.Reporting;

public sealed class MetricStatsTests
{
    private static RunRecord Run(string name, params (string Key, double[] Values)[] histories) => new()
    {
        RunId = name + "-id",
        ExperimentId = "1",
        Name = name,
        Status = RunStatus.Finished,
        StartTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
        EndTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_100),
        Params = new Dictionary<string, string> { ["seed"] = name },
        Metrics = histories.ToDictionary(h => h.Key, h => h.Values[^1]),
        MetricHistories = histories.ToDictionary(h => h.Key, h => (IReadOnlyList<Metric>)[.. h.Values.Select((v, i) => new Metric(h.Key, v, 1000 + i, i + 1))]),
    };

    [Fact]
    public void Stats_AreTheBestLastMinAndMaxOfTheHistory_BestByTheMetricsGoal()
    {
        var run = Run("a", ("validation/f1", [0.80, 0.91, 0.88]), ("validation/loss", [0.60, 0.35, 0.41]));

        Assert.Equal(new MetricStats(0.91, 0.88, 0.80, 0.91, 3), MetricStats.Of(run, "validation/f1", SweepGoal.Maximize));
        Assert.Equal(new MetricStats(0.35, 0.41, 0.35, 0.60, 3), MetricStats.Of(run, "validation/loss", SweepGoal.Minimize));
        Assert.Null(MetricStats.Of(run, "test/f1", SweepGoal.Maximize));
    }

    [Fact]
    public void Stats_OfARunReadWithoutHistories_AreItsLatestValue()
    {
        var run = Run("a", ("test/f1", [0.9])) with { MetricHistories = new Dictionary<string, IReadOnlyList<Metric>>() };

        var stats = MetricStats.Of(run, "test/f1", SweepGoal.Maximize)!;

        Assert.Equal(new MetricStats(0.9, 0.9, 0.9, 0.9, 1), stats);
        Assert.False(stats.Varies);
    }

    [Theory]
    [InlineData("validation/loss", null, SweepGoal.Minimize)]
    [InlineData("train/loss", null, SweepGoal.Minimize)]
    [InlineData("test/error_rate", null, SweepGoal.Minimize)]
    [InlineData("validation/f1", null, SweepGoal.Maximize)]
    [InlineData("test/roc_auc", null, SweepGoal.Maximize)]
    [InlineData("validation/loss", "validation/loss", SweepGoal.Maximize)] // the sort metric's goal wins, however it is named
    public void Goal_IsLowerForLossesAndErrors_HigherOtherwise_TheSortMetricsOwnGoalFirst(string metric, string? sortMetric, SweepGoal expected)
    {
        Assert.Equal(expected, MetricStats.GoalOf(metric, sortMetric, SweepGoal.Maximize));
    }

    [Fact]
    public void Compare_ShowsEachMetricsBestAndRange_UnderItsLastValue()
    {
        RunRecord[] runs =
        [
            Run("a", ("validation/f1", [0.50, 0.90, 0.70]), ("validation/loss", [0.60, 0.30, 0.40])),
            Run("b", ("validation/f1", [0.60, 0.65]), ("validation/loss", [0.50, 0.45])) with { RunId = "b-id", StartTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_200) },
        ];

        var table = ComparisonTable.Build(runs, "validation/f1");
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;
        table.Write(console);
        var text = writer.ToString();

        Assert.Equal(["validation/f1", "validation/loss"], table.MetricColumns);
        Assert.Equal("a", table.Rows[0].Run.Name); // ranked by the last value, 0.70 against 0.65
        Assert.Equal(new MetricStats(0.90, 0.70, 0.50, 0.90, 3), table.Rows[0].Stats[0]);
        Assert.Equal(new MetricStats(0.30, 0.40, 0.30, 0.60, 3), table.Rows[0].Stats[1]); // a loss: best is its lowest
        Assert.Contains("best 0.9000", text);
        Assert.Contains("0.5000-0.9000", text);
        Assert.Contains("best 0.3000", text);
        Assert.Contains("best value and the min-max range", text);
    }
}
