using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;
using Spectre.Console;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepRunnerTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    private ResolvedSpec Sweep(string extra = "")
    {
        folder.Write("sweep.yaml", SpecFolder.Minimal + """
            sweep:
              parameters:
                training.learning_rate: [1e-5, 2e-5, 3e-5, 4e-5]
              metric: validation/f1
            """ + "\n" + extra);
        return folder.Load("sweep.yaml");
    }

    private static TrialResult Result(double f1, params double[] evaluations) =>
        new() { Metrics = new Dictionary<string, double> { ["validation/f1"] = f1, ["validation/loss"] = 1 - f1 }, Evaluations = evaluations };

    // F1 by learning rate: 3e-5 is best.
    private static double F1(SweepTrial trial) => trial.Spec.Spec.Training.LearningRate switch { 1e-5 => 0.80, 2e-5 => 0.85, 3e-5 => 0.90, _ => 0.70 };

    [Fact]
    public async Task RestartedSweep_RunsOnlyTheTrialsThatHadNotFinished()
    {
        var sweep = Sweep();
        var trials = SweepPlanner.Plan(sweep);
        var cache = new Dictionary<string, TrialResult>(StringComparer.Ordinal);
        var ran = new List<string>();
        using var interrupt = new CancellationTokenSource();

        async Task<TrialResult> Train(SweepTrial trial, CancellationToken token)
        {
            ran.Add(trial.Name);
            if (ran.Count == 3)
            {
                await interrupt.CancelAsync(); // killed during the third trial
                token.ThrowIfCancellationRequested();
            }

            return cache[trial.SpecHash] = Result(F1(trial));
        }

        TrialResult? Finished(SweepTrial trial) => cache.GetValueOrDefault(trial.SpecHash);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SweepRunner(sweep.Spec.Sweep!).RunAsync(trials, Train, Finished, interrupt.Token));
        Assert.Equal(["trial-000", "trial-001", "trial-002"], ran);

        ran.Clear();
        var summary = await new SweepRunner(sweep.Spec.Sweep!).RunAsync(SweepPlanner.Plan(sweep), Train, Finished);

        Assert.Equal(["trial-002", "trial-003"], ran);
        Assert.Equal(4, summary.Trials.Count);
        Assert.Equal(["trial-000", "trial-001"], summary.Trials.Where(t => t.Reused).Select(t => t.Trial.Name).Order());
        Assert.Equal("trial-002", summary.Best!.Trial.Name);
    }

    [Fact]
    public async Task Summary_IsSortedByTheMetric_AndMarksTheBestCompletedTrial()
    {
        var sweep = Sweep();
        var results = new Queue<TrialResult>(
        [
            Result(0.80),
            Result(0.95) with { Status = TrialStatus.Stopped },
            new TrialResult { Status = TrialStatus.Failed, Error = "out of memory" },
            Result(0.85),
        ]);

        var summary = await new SweepRunner(sweep.Spec.Sweep!).RunAsync(SweepPlanner.Plan(sweep), (_, _) => Task.FromResult(results.Dequeue()));

        Assert.Equal(["trial-003", "trial-000", "trial-001", "trial-002"], summary.Trials.Select(t => t.Trial.Name));
        Assert.Equal([true, false, false, false], summary.Trials.Select(t => t.IsBest));
        Assert.Equal("trial-003", summary.Best!.Trial.Name);
        Assert.Equal([0.85, 0.80, 0.95, null], summary.Trials.Select(t => t.MetricValue));
    }

    [Fact]
    public async Task Minimize_PutsTheSmallestMetricFirst()
    {
        var sweep = Sweep("  goal: minimize\n");
        var spec = sweep.Spec.Sweep! with { Metric = "validation/loss" };

        var summary = await new SweepRunner(spec).RunAsync(SweepPlanner.Plan(sweep), (t, _) => Task.FromResult(Result(F1(t))));

        Assert.Equal("validation/loss", summary.Metric);
        Assert.Equal(["trial-002", "trial-001", "trial-000", "trial-003"], summary.Trials.Select(t => t.Trial.Name));
        Assert.Equal("trial-002", summary.Best!.Trial.Name);
    }

    [Fact]
    public async Task ATrialThatThrows_IsRecordedAsFailed_AndTheSweepGoesOn()
    {
        var sweep = Sweep();
        var ended = new List<SweepTrialOutcome>();
        var runner = new SweepRunner(sweep.Spec.Sweep!) { TrialEnded = ended.Add };

        var summary = await runner.RunAsync(SweepPlanner.Plan(sweep), (t, _) =>
            t.Index == 1 ? throw new InvalidOperationException("tokenizer vocab missing") : Task.FromResult(Result(F1(t))));

        Assert.Equal(4, ended.Count);
        var failed = Assert.Single(summary.Trials, t => t.Result.Status == TrialStatus.Failed);
        Assert.Equal("trial-001", failed.Trial.Name);
        Assert.Contains("tokenizer vocab missing", failed.Result.Error);
        Assert.Same(failed, summary.Trials[^1]);
    }

    [Fact]
    public async Task ShouldStop_ComparesWithTheTrialsCompletedSoFar()
    {
        var sweep = Sweep("  early_stopping: {type: median, min_evaluations: 2}\n");
        var runner = new SweepRunner(sweep.Spec.Sweep!);
        var answers = new List<bool>();

        await runner.RunAsync(SweepPlanner.Plan(sweep), (t, _) =>
        {
            // Trials 0 and 1 complete; trials 2 and 3 ask after two weak evaluations.
            if (t.Index >= 2)
            {
                answers.Add(runner.ShouldStop([0.5, 0.6]));
                return Task.FromResult(Result(0.6, 0.5, 0.6) with { Status = TrialStatus.Stopped });
            }

            return Task.FromResult(Result(0.9, 0.8, 0.9));
        });

        Assert.Equal([true, true], answers);
        Assert.False(new SweepRunner(Sweep().Spec.Sweep!).ShouldStop([0.0, 0.0, 0.0]));
    }

    [Fact]
    public async Task Table_ListsTrialsBestFirst_WithTheirValuesAndWhetherTheyWereCached()
    {
        var sweep = Sweep();
        var trials = SweepPlanner.Plan(sweep);
        var summary = await new SweepRunner(sweep.Spec.Sweep!).RunAsync(trials, (t, _) => Task.FromResult(Result(F1(t))),
            t => t.Index == 0 ? Result(F1(t)) : null);
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 160;

        console.Write(SweepTable.Build(summary));
        var lines = writer.ToString().Split('\n');

        var rows = lines.Where(l => l.Contains("trial-", StringComparison.Ordinal)).ToList();
        Assert.Equal(["trial-002", "trial-001", "trial-000", "trial-003"], rows.Select(r => r[r.IndexOf("trial-", StringComparison.Ordinal)..][..9]));
        Assert.Contains("trial-002 (best)", rows[0]);
        Assert.Contains("3E-05", rows[0]);
        Assert.Contains("0.9000", rows[0]);
        Assert.Contains("completed (cached)", rows[2]);
        Assert.DoesNotContain("cached", rows[0]);
        Assert.Contains(lines, l => l.Contains("training.learning_rate", StringComparison.Ordinal));
    }
}
