using System.Diagnostics;
using System.Text.Json;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepPlanWriterTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    private IReadOnlyList<SweepTrial> Plan(params string[] overrides)
    {
        folder.Write("sweep.yaml", SpecFolder.Minimal + """
            sweep:
              parameters:
                training.learning_rate: [1e-5, 3e-5]
                tokenizer.truncation: [head, head+tail]
                tracking.experiment: ["it's mine", "a b"]
            """);
        return SweepPlanner.Plan(folder.Load("sweep.yaml", overrides));
    }

    [Theory]
    [InlineData("training.learning_rate=1E-05", "training.learning_rate=1E-05")]
    [InlineData("tokenizer.truncation=\"head+tail\"", "'tokenizer.truncation=\"head+tail\"'")]
    [InlineData("it's a b", "'it'\"'\"'s a b'")]
    [InlineData("", "''")]
    [InlineData("$HOME;rm -rf `x`", "'$HOME;rm -rf `x`'")]
    public void Quote_KeepsSafeWordsBare_AndSingleQuotesTheRest(string argument, string expected)
    {
        Assert.Equal(expected, ShellQuoting.Quote(argument));
    }

    [Fact]
    public void Commands_ReachTheProgramAsTheSameArguments_ThroughARealShell()
    {
        if (!File.Exists("/bin/sh"))
        {
            return; // no POSIX shell on this machine; the quoting rules are still checked above
        }

        var entries = SweepPlanWriter.Entries(Plan(), "experiments/my sweep.yaml", SweepCommandStyle.Imdbx with { Program = ["printf", "%s\\n"] });
        foreach (var entry in entries)
        {
            var start = new ProcessStartInfo("/bin/sh", ["-c", entry.Command]) { RedirectStandardOutput = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(entry.Arguments.Skip(2), output.Split('\n')[..^1]);
        }
    }

    [Fact]
    public void EachCommand_ResolvesToExactlyItsTrialsSpec()
    {
        var trials = Plan();
        var entries = SweepPlanWriter.Entries(trials.Skip(5), "sweep.yaml", SweepCommandStyle.Imdbx);

        Assert.Equal(["trial-005", "trial-006", "trial-007"], entries.Select(e => e.Trial));
        foreach (var entry in entries)
        {
            Assert.Equal(["imdbx", "train", "--experiment", "sweep.yaml", "--set", "sweep=null"], entry.Arguments.Take(6));
            var sets = entry.Arguments.Select((a, i) => (a, i)).Where(x => x.i > 0 && entry.Arguments[x.i - 1] == "--set").Select(x => x.a).ToArray();
            Assert.Equal(trials[entry.Index].SpecHash, folder.Load("sweep.yaml", sets).Hash);
            Assert.Equal(trials[entry.Index].SpecHash, entry.SpecHash);
        }
    }

    [Fact]
    public void TheSweepsOwnOverrides_AreRepeatedInEveryCommand_SoEachResolvesToItsTrialsSpec()
    {
        var trials = Plan("seed=5", "training.epochs=1");
        var entries = SweepPlanWriter.Entries(trials, "sweep.yaml", SweepCommandStyle.Imdbx with { Overrides = ["seed=5", "training.epochs=1"] });

        foreach (var entry in entries)
        {
            var sets = entry.Arguments.Select((a, i) => (a, i)).Where(x => x.i > 0 && entry.Arguments[x.i - 1] == "--set").Select(x => x.a).ToArray();
            Assert.Equal(["sweep=null", "seed=5", "training.epochs=1"], sets.Take(3));
            Assert.Equal(trials[entry.Index].SpecHash, folder.Load("sweep.yaml", sets).Hash);
        }
        Assert.NotEqual(Plan()[0].SpecHash, trials[0].SpecHash);
    }

    [Fact]
    public void CakeStyle_JoinsOptionsWithEquals()
    {
        var entry = SweepPlanWriter.Entries(Plan().Take(1), "lr-sweep.yaml", SweepCommandStyle.Cake)[0];

        Assert.Equal(
            """dotnet cake --target=Train --experiment=lr-sweep.yaml --set=sweep=null '--set=tokenizer.truncation="head"' """ +
            """'--set=tracking.experiment="it'"'"'s mine"' --set=training.learning_rate=1E-05""",
            entry.Command);
    }

    [Fact]
    public void Shell_IsOneCommandPerLine_AndJsonCarriesEverythingAboutEachTrial()
    {
        var entries = SweepPlanWriter.Entries(Plan(), "sweep.yaml", SweepCommandStyle.Imdbx with { TrialArguments = t => ["--run-name", t.Name] });

        var lines = SweepPlanWriter.ToShell(entries).Split('\n');
        Assert.Equal(entries.Select(e => e.Command).Append(""), lines);
        Assert.EndsWith("--run-name trial-000", lines[0]);

        using var json = JsonDocument.Parse(SweepPlanWriter.ToJson(entries, "sweep.yaml"));
        Assert.Equal("sweep.yaml", json.RootElement.GetProperty("experiment").GetString());
        var trial = json.RootElement.GetProperty("trials")[3];
        Assert.Equal("trial-003", trial.GetProperty("trial").GetString());
        Assert.Equal(3, trial.GetProperty("index").GetInt32());
        Assert.Equal(entries[3].SpecHash, trial.GetProperty("spec_hash").GetString());
        Assert.Equal("\"head\"", trial.GetProperty("overrides").GetProperty("tokenizer.truncation").GetString());
        Assert.Equal(entries[3].Arguments, trial.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(entries[3].Command, trial.GetProperty("command").GetString());
    }
}
