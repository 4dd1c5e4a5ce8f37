using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepStudyTests : IDisposable
{
    private readonly SpecFolder specs = new();
    private readonly TempFolder runs = new();

    public void Dispose()
    {
        specs.Dispose();
        runs.Dispose();
    }

    private ResolvedSpec Tpe(int seed = 3) => Load($$"""
        sweep:
          method: tpe
          trials: 14
          seed: {{seed}}
          tpe: {n_startup_trials: 4}
          parameters:
            training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}
            training.batch_size: {distribution: uniform, min: 4, max: 64}
            training.lr_scheduler: [linear, cosine]
        """);

    private ResolvedSpec Load(string sweep)
    {
        specs.Write("sweep.yaml", SpecFolder.Minimal + sweep + "\n");
        return specs.Load("sweep.yaml");
    }

    // Best at learning rate 1e-4, batch 16, cosine.
    private static double F1(SweepTrial trial)
    {
        var training = trial.Spec.Spec.Training;
        return 0.9 - 0.02 * Math.Pow(Math.Log10(training.LearningRate) + 4, 2) - 0.001 * Math.Abs(training.BatchSize - 16) - (training.LrScheduler == LrScheduler.Cosine ? 0 : 0.01);
    }

    private static TrialResult Result(double f1) =>
        new() { Metrics = new Dictionary<string, double> { ["validation/f1"] = f1 }, Evaluations = [f1 - 0.1, f1 - 0.05, f1] };

    private static async Task<List<SweepTrial>> RunAll(ResolvedSpec sweep, string folder, List<int>? ran = null, CancellationTokenSource? interrupt = null, int? interruptAt = null)
    {
        var study = SweepStudy.Open(folder, sweep);
        var seen = new List<SweepTrial>();
        await new SweepRunner(sweep.Spec.Sweep!) { Study = study }.RunAsync(study.Trials(), async (trial, ct) =>
        {
            await Task.Yield();
            ran?.Add(trial.Index);
            seen.Add(trial);
            if (trial.Index == interruptAt)
            {
                await interrupt!.CancelAsync(); // killed during this trial
                ct.ThrowIfCancellationRequested();
            }

            return Result(F1(trial));
        }, cancellationToken: interrupt?.Token ?? default);
        return seen;
    }

    [Fact]
    public async Task TpeSweep_WithTheSameSpecAndSeed_ProposesTheSameTrialsInTheSameOrder()
    {
        var first = await RunAll(Tpe(), runs.Combine("a"));
        var second = await RunAll(Tpe(), runs.Combine("b"));
        var otherSeed = await RunAll(Tpe(seed: 4), runs.Combine("c"));

        Assert.Equal(14, first.Count);
        Assert.Equal(first.Select(t => t.Overrides), second.Select(t => t.Overrides));
        Assert.NotEqual(first.Select(t => t.Overrides), otherSeed.Select(t => t.Overrides));
        Assert.Equal(14, first.Select(t => t.SpecHash).Distinct().Count());
    }

    [Fact]
    public async Task RestartedTpeSweep_ProposesTheSameRemainingTrials_AndRunsNoFinishedTrialAgain()
    {
        var uninterrupted = await RunAll(Tpe(), runs.Combine("whole"));
        using var interrupt = new CancellationTokenSource();
        var ran = new List<int>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunAll(Tpe(), runs.Combine("split"), ran, interrupt, interruptAt: 7));
        var resumed = await RunAll(Tpe(), runs.Combine("split"), ran);

        Assert.Equal(Enumerable.Range(0, 8).Concat(Enumerable.Range(7, 7)), ran); // trial 7 was killed and runs again, alone
        Assert.Equal(uninterrupted.Skip(7).Select(t => t.Overrides), resumed.Select(t => t.Overrides));
    }

    [Fact]
    public async Task FinishedSweep_RunsNothing_AndLeavesTheStudyFileAsItWas()
    {
        var folder = runs.Combine("done");
        await RunAll(Tpe(), folder);
        var path = Path.Combine(folder, SweepStudy.FileName);
        var bytes = File.ReadAllBytes(path);
        var written = File.GetLastWriteTimeUtc(path);
        var ran = new List<int>();

        await RunAll(Tpe(), folder, ran);

        Assert.Empty(ran);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Single(Directory.GetFiles(folder)); // no temporary file left beside it
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SecondWorker_AskingWhileTheFirstRunsATrial_GetsItAsRunning_OnlyWithConstantLiar(bool constantLiar)
    {
        // Two workers share one study: A finished trials 0-3 and runs trial 4 (the first TPE proposal); B asks meanwhile and
        // gets trial 5. With constant_liar (optuna/samplers/_tpe/sampler.py, _sample: RUNNING trials join the split, above)
        // trial 5 is drawn with trial 4 among the bad trials, so it differs from the proposal without the liar.
        string Sweep(bool liar) => $$"""
            sweep:
              method: tpe
              trials: 8
              seed: 3
              tpe: {n_startup_trials: 4, constant_liar: {{(liar ? "true" : "false")}}}
              parameters:
                training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}
                training.batch_size: {distribution: uniform, min: 4, max: 64}
            """;
        // Each call its own study folder: the plain run twice must not share one.
        (SweepTrial Running, SweepTrial Asked) TwoWorkers(bool liar, string name)
        {
            var sweep = Load(Sweep(liar));
            var folder = runs.Combine(name);
            var a = SweepStudy.Open(folder, sweep);
            using var first = a.Trials().GetEnumerator();
            for (var i = 0; i < 4; i++)
            {
                Assert.True(first.MoveNext());
                a.Record(first.Current, Result(F1(first.Current)));
                a.Release(first.Current);
            }

            Assert.True(first.MoveNext());
            var running = first.Current;
            var asked = SweepStudy.Open(folder, sweep).Trials().First(t => t.Index > 3);
            a.Release(running);
            return (running, asked);
        }

        var plain = TwoWorkers(false, "plain");
        var other = TwoWorkers(constantLiar, "other");

        Assert.Equal((4, 5), (other.Running.Index, other.Asked.Index));
        Assert.Equal(plain.Running.Overrides, other.Running.Overrides); // no trial ran meanwhile: the liar changes nothing yet
        Assert.Equal(!constantLiar, plain.Asked.Overrides.SequenceEqual(other.Asked.Overrides));
    }

    [Fact]
    public async Task PrunedTrial_IsKeptWithItsCurve_AndNotRunAgain()
    {
        var sweep = Load("""
            sweep:
              parameters:
                training.learning_rate: [1e-5, 2e-5, 3e-5, 4e-5]
              early_stopping: {type: asha}
            """);
        var folder = runs.Combine("asha");
        var ran = 0;
        async Task<SweepSummary> Run()
        {
            var study = SweepStudy.Open(folder, sweep);
            var runner = new SweepRunner(sweep.Spec.Sweep!) { Study = study };
            return await runner.RunAsync(study.Trials(), (trial, _) =>
            {
                ran++;
                // A falling curve for the second trial: worst of two at the first rung, so ASHA stops it there.
                var curve = trial.Index == 1 ? new[] { 0.1, 0.1, 0.1 } : [0.5, 0.6, 0.7];
                var seen = new List<double>();
                foreach (var value in curve)
                {
                    seen.Add(value);
                    if (runner.ShouldStop(seen))
                    {
                        return Task.FromResult(new TrialResult { Status = TrialStatus.Stopped, Evaluations = [.. seen], PrunedAt = seen.Count });
                    }
                }

                return Task.FromResult(new TrialResult { Metrics = new Dictionary<string, double> { ["validation/f1"] = curve[^1] }, Evaluations = curve });
            });
        }

        var summary = await Run();
        var pruned = summary.Trials.Single(t => t.Trial.Index == 1);
        Assert.Equal(TrialStatus.Stopped, pruned.Result.Status);
        Assert.Equal(1, pruned.Result.PrunedAt);
        Assert.Equal(4, ran);

        var again = await Run();
        Assert.Equal(4, ran);
        Assert.Equal([0.1], again.Trials.Single(t => t.Trial.Index == 1).Result.Evaluations);
    }

    [Fact]
    public async Task StudyOfAnotherSweep_IsRefused_NamingTheFile()
    {
        var folder = runs.Combine("x");
        await RunAll(Tpe(), folder);

        var error = Assert.Throws<InvalidDataException>(() => SweepStudy.Open(folder, Tpe(seed: 9)));

        Assert.Contains(Path.Combine(folder, SweepStudy.FileName), error.Message);
        Assert.Contains("belongs to the sweep spec with hash", error.Message);
    }

    [Fact]
    public void CorruptStudyFile_IsOneClearError()
    {
        var folder = runs.Combine("bad");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, SweepStudy.FileName), "{\"format\": 1, \"trials\": [");

        var error = Assert.Throws<InvalidDataException>(() => SweepStudy.Open(folder, Tpe()));

        Assert.StartsWith(Path.Combine(folder, SweepStudy.FileName) + ": not a study file", error.Message);
    }

    [Fact]
    public async Task StudyPointOutsideTheSearchSpace_IsOneClearError()
    {
        var folder = runs.Combine("edited");
        await RunAll(Tpe(), folder);
        var path = Path.Combine(folder, SweepStudy.FileName);
        var text = File.ReadAllText(path);
        var point = text.IndexOf("\"point\"", StringComparison.Ordinal); // trial 0's point, after its overrides
        var at = text.IndexOf("\"training.lr_scheduler\": ", point, StringComparison.Ordinal) + "\"training.lr_scheduler\": ".Length;
        File.WriteAllText(path, text[..at] + "7" + text[text.IndexOfAny([',', '\n', '}'], at)..]);

        var error = Assert.Throws<InvalidDataException>(() => SweepStudy.Open(folder, Tpe()));

        Assert.Equal($"{path}: trials[0].point.training.lr_scheduler is 7, expected an index 0..1; delete the file to start the sweep over.", error.Message);
    }
}
