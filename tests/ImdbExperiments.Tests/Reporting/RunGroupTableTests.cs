using ImdbExperiments.Reporting;
using ImdbExperiments.Tracking;
using Spectre.Console;

namespace ImdbExperiments.Tests.Reporting;

public sealed class RunGroupTableTests
{
    private static int _minute;

    private static RunRecord Run(string learningRate, string seed, double f1, RunStatus status = RunStatus.Finished, double? loss = null)
    {
        var minute = Interlocked.Increment(ref _minute);
        var metrics = new Dictionary<string, double> { ["validation/f1"] = f1 };
        if (loss is not null)
        {
            metrics["test/loss"] = loss.Value;
        }

        return new RunRecord
        {
            RunId = $"run-{minute}",
            ExperimentId = "1",
            Name = $"run-{minute}",
            Status = status,
            StartTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + minute * 60),
            Params = new Dictionary<string, string> { ["training.learning_rate"] = learningRate, ["seed"] = seed },
            Metrics = metrics,
        };
    }

    private static readonly RunRecord[] Runs =
    [
        Run("1E-04", "1", 0.90, loss: 0.30),
        Run("3E-05", "1", 0.80, loss: 0.40),
        Run("3E-05", "2", 0.82),
        Run("1E-04", "2", 0.92, loss: 0.20),
        Run("3E-05", "3", 0.87, loss: 0.35),
        Run("3E-05", "4", 0.99, RunStatus.Failed),
        Run("1E-04", "4", 0.10, RunStatus.Killed),
    ];

    [Fact]
    public void GroupBy_GivesEachGroupsMeanAndSampleStd_WithN_OverFinishedRunsOnly()
    {
        var table = RunGroupTable.Build(Runs, "training.learning_rate", ["validation/f1", "test/loss"]);

        // Numeric order, not text order ("1E-04" < "3E-05" as text).
        Assert.Equal(["3E-05", "1E-04"], table.Groups.Select(g => g.Value));
        Assert.Equal([3, 2], table.Groups.Select(g => g.Runs));
        Assert.Equal(2, table.LeftOut);

        // 3E-05: 0.80, 0.82, 0.87 -> mean 0.83; squared deviations 0.0009 + 0.0001 + 0.0016 = 0.0026, / (3 - 1) -> std sqrt(0.0013).
        var f1 = table.Groups[0].Metrics[0]!;
        Assert.Equal(0.83, f1.Mean, 12);
        Assert.Equal(0.036055512754639893, f1.StandardDeviation, 12);
        Assert.Equal(3, f1.Count);
        // Only two of its runs logged test/loss: 0.40, 0.35 -> mean 0.375, std sqrt(0.00125 / 1).
        var loss = table.Groups[0].Metrics[1]!;
        Assert.Equal(0.375, loss.Mean, 12);
        Assert.Equal(0.035355339059327376, loss.StandardDeviation, 12);
        Assert.Equal(2, loss.Count);
        // 1E-04: 0.90, 0.92 -> mean 0.91, std sqrt(0.0002) (the killed 0.10 is left out).
        Assert.Equal(0.91, table.Groups[1].Metrics[0]!.Mean, 12);
        Assert.Equal(0.014142135623730951, table.Groups[1].Metrics[0]!.StandardDeviation, 12);
        Assert.Equal("0.9100 ± 0.0141 (n=2)", table.Groups[1].Metrics[0]!.Format());
    }

    [Fact]
    public void AGroupOfOne_HasNoStd_AndRunsWithoutTheKeyFormALastGroup()
    {
        var withoutSeed = Run("1E-04", "9", 0.5) with { Params = new Dictionary<string, string> { ["training.learning_rate"] = "1E-04" } };

        var table = RunGroupTable.Build([.. Runs, withoutSeed], "seed", ["validation/f1"]);

        Assert.Equal(["1", "2", "3", null], table.Groups.Select(g => g.Value));
        var single = table.Groups[2].Metrics[0]!;
        Assert.True(double.IsNaN(single.StandardDeviation));
        Assert.Equal("0.8700 (n=1)", single.Format());
    }

    [Fact]
    public void GroupBy_AKeyNoRunHas_IsOneLineNamingTheKeyAndTheParamsThereAre()
    {
        var error = Assert.Throws<ArgumentException>(() => RunGroupTable.Build(Runs, "training.learning_rat", ["validation/f1"]));

        Assert.Equal("--group-by training.learning_rat: no run of the experiment has that key as a param (params the runs have: seed, training.learning_rate)", error.Message);
    }

    [Fact]
    public void Terminal_ShowsTheGroupsAndSaysWhatTheNumbersAre()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 200;

        RunGroupTable.Build(Runs, "training.learning_rate", ["validation/f1"]).Write(console);
        // The caption wraps at the table's width.
        var text = System.Text.RegularExpressions.Regex.Replace(writer.ToString(), @"\s+", " ");

        Assert.Contains("Runs grouped by training.learning_rate", text);
        Assert.Contains("0.8300 ± 0.0361 (n=3)", text);
        Assert.Contains("sample standard deviation (n − 1)", text);
        Assert.Contains("2 unfinished, failed or pruned runs left out", text);
    }
}
