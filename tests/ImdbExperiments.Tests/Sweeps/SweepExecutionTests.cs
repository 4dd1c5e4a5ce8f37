using System.Collections.Concurrent;
using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Sweeps;

/// <summary>Parallel trials, a shared resumable study and its workers, with fake trial runners (no training).</summary>
public sealed class SweepExecutionTests : IDisposable
{
    // A guard against a hang, never a measurement: a rendezvous that a sequential runner can never reach fails the test.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private readonly SpecFolder specs = new();
    private readonly TempFolder runs = new();

    public void Dispose()
    {
        specs.Dispose();
        runs.Dispose();
    }

    private ResolvedSpec Tpe(int trials = 6) => Load($$"""
        sweep:
          method: tpe
          trials: {{trials}}
          seed: 11
          tpe: {n_startup_trials: 2}
          parameters:
            training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}
            training.batch_size: {distribution: uniform, min: 4, max: 64}
        """);

    private ResolvedSpec Load(string sweep)
    {
        specs.Write("sweep.yaml", SpecFolder.Minimal + sweep + "\n");
        return specs.Load("sweep.yaml");
    }

    private static TrialResult Result(SweepTrial trial)
    {
        var f1 = 0.9 - 0.02 * Math.Pow(Math.Log10(trial.Spec.Spec.Training.LearningRate) + 4, 2) - 0.001 * Math.Abs(trial.Spec.Spec.Training.BatchSize - 16);
        return new() { Metrics = new Dictionary<string, double> { ["validation/f1"] = f1 }, Evaluations = [f1 - 0.1, f1] };
    }

    [Theory]
    [InlineData(1, 16, 16)]
    [InlineData(2, 2, 1)]
    [InlineData(3, 2, 1)]
    [InlineData(4, 16, 4)]
    [InlineData(3, 16, 5)]
    public void TrialThreads_AreAnEqualShareOfTheCores_AtLeastOne(int parallel, int cores, int expected) =>
        Assert.Equal(expected, SweepExecution.TrialThreads(parallel, cores));

    [Fact]
    public async Task ParallelRunner_RunsTwoTrialsAtOnce_AndEveryTrialExactlyOnce()
    {
        var sweep = Load("""
            sweep:
              parameters:
                training.learning_rate: [1e-5, 2e-5, 3e-5, 4e-5]
              metric: validation/f1
            """);
        var both = new TaskCompletionSource();
        var running = 0;
        var ran = new ConcurrentBag<int>();

        var summary = await new SweepRunner(sweep.Spec.Sweep!) { Parallel = 2 }.RunAsync(SweepPlanner.Plan(sweep), async (trial, _) =>
        {
            ran.Add(trial.Index);
            if (Interlocked.Increment(ref running) == 2)
            {
                both.TrySetResult();
            }

            await both.Task.WaitAsync(Guard); // the first trial ends only once a second one runs beside it
            Interlocked.Decrement(ref running);
            return Result(trial);
        });

        Assert.Equal([0, 1, 2, 3], ran.Order());
        Assert.Equal(4, summary.Trials.Count(t => t.Result.Status == TrialStatus.Completed));
    }

    [Fact]
    public async Task ParallelRunner_Cancelled_StopsEveryRunningTrial_AndThrowsOnceAllHaveEnded()
    {
        var sweep = Load("""
            sweep:
              parameters:
                training.learning_rate: [1e-5, 2e-5, 3e-5, 4e-5]
              metric: validation/f1
            """);
        using var interrupt = new CancellationTokenSource();
        var started = 0;
        var stopped = new ConcurrentBag<int>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SweepRunner(sweep.Spec.Sweep!) { Parallel = 2 }.RunAsync(SweepPlanner.Plan(sweep), async (trial, ct) =>
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                await interrupt.CancelAsync(); // Ctrl-C while two trials run
            }

            try
            {
                await Task.Delay(Guard, ct);
            }
            finally
            {
                stopped.Add(trial.Index);
            }

            return Result(trial);
        }, cancellationToken: interrupt.Token));

        Assert.Equal([0, 1], stopped.Order()); // both saw the cancellation before the sweep ended; no third trial started
        Assert.Equal(2, started);
    }

    [Fact]
    public async Task TpeSweep_InterruptedAfterThreeOfSixTrials_ResumesWithTheSameProposals_AndRunsNoTrialTwice()
    {
        var sweep = Tpe();
        var uninterrupted = new List<SweepTrial>();
        var whole = SweepStudy.Open(runs.Combine("whole"), sweep);
        await new SweepRunner(sweep.Spec.Sweep!) { Study = whole }.RunAsync(whole.Trials(), (trial, _) =>
        {
            uninterrupted.Add(trial);
            return Task.FromResult(Result(trial));
        });

        var folder = runs.Combine("interrupted");
        var ran = new List<SweepTrial>();
        using var interrupt = new CancellationTokenSource();
        async Task<TrialResult> Train(SweepTrial trial, CancellationToken _)
        {
            ran.Add(trial);
            if (ran.Count == 3)
            {
                await interrupt.CancelAsync(); // Ctrl-C as the third trial ends
            }

            return Result(trial);
        }

        var first = SweepStudy.Open(folder, sweep);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SweepRunner(sweep.Spec.Sweep!) { Study = first }.RunAsync(first.Trials(), Train, cancellationToken: interrupt.Token));
        Assert.Equal(3, first.FinishedResults().Count);

        var resumed = SweepStudy.Open(folder, sweep);
        var summary = await new SweepRunner(sweep.Spec.Sweep!) { Study = resumed }.RunAsync(resumed.Trials(), Train);

        Assert.Equal([0, 1, 2, 3, 4, 5], ran.Select(t => t.Index)); // no trial ran twice
        Assert.Equal(uninterrupted.Select(t => t.Overrides), ran.Select(t => t.Overrides)); // the same proposals, in the same order
        Assert.Equal(3, summary.Trials.Count(t => t.Reused));
        Assert.True(resumed.IsComplete());
    }

    [Fact]
    public async Task TwoWorkers_SharingOneStudyFile_RunEachTrialOnce_AndSpendTheBudget()
    {
        var sweep = Tpe(trials: 8);
        var folder = runs.Combine("shared");
        var ran = new ConcurrentBag<(string Worker, int Index, string Overrides)>();
        var both = new TaskCompletionSource();
        var active = new ConcurrentDictionary<string, bool>();

        async Task<SweepSummary> Worker(string name)
        {
            var study = SweepStudy.Open(folder, sweep); // each worker its own view of the one file, as on two machines
            // A proposal sees only finished trials, never a running one: Optuna's TPESampler with constant_liar=False
            // (optuna/samplers/_tpe/sampler.py, states COMPLETE and PRUNED) draws the same way.
            return await new SweepRunner(sweep.Spec.Sweep!) { Study = study }.RunAsync(study.Trials(), async (trial, _) =>
            {
                ran.Add((name, trial.Index, string.Join(",", trial.Overrides)));
                active[name] = true;
                if (active.Count == 2)
                {
                    both.TrySetResult();
                }

                await both.Task.WaitAsync(Guard); // each worker's first trial waits until the other worker runs one too
                await Task.Yield();
                return Result(trial);
            });
        }

        var summaries = await Task.WhenAll(Task.Run(() => Worker("a")), Task.Run(() => Worker("b")));

        Assert.Equal(Enumerable.Range(0, 8), ran.Select(r => r.Index).Order());
        Assert.Equal(8, ran.Select(r => r.Overrides).Distinct().Count());
        Assert.Equal(["a", "b"], ran.Select(r => r.Worker).Distinct().Order());
        var study = SweepStudy.Open(folder, sweep);
        Assert.True(study.IsComplete());
        Assert.Equal(Enumerable.Range(0, 8), study.FinishedResults().Select(f => f.Trial.Index));
        Assert.Contains(summaries, s => s.Trials.Count == 8); // the worker that ends last sums up the other's trials too
    }

    [Fact]
    public void TrialClaimedByAnotherWorker_IsPassedOver_AndCountsAsRunningElsewhere_UntilReleased()
    {
        var sweep = Tpe();
        var folder = runs.Combine("claims");
        var a = SweepStudy.Open(folder, sweep);
        var b = SweepStudy.Open(folder, sweep);

        using var aTrials = a.Trials().GetEnumerator();
        Assert.True(aTrials.MoveNext());
        var taken = aTrials.Current;
        var next = b.Trials().First();

        Assert.Equal(0, taken.Index);
        Assert.Equal(1, next.Index); // b proposed the next trial instead of running a's
        b.Release(next);
        Assert.Equal(1, b.RunningElsewhere());

        a.Release(taken); // a worker that dies releases its claims with its process
        Assert.Equal(0, b.RunningElsewhere());
        Assert.Equal(0, b.Trials().First().Index);
    }

    [Fact]
    public void WorkerPlan_IsOneSweepWorkerCommandPerWorker_WithTheSweepsOwnOverrides()
    {
        var sweep = Tpe();
        var entries = SweepPlanWriter.WorkerEntries(3, sweep, "sweep.yaml", SweepCommandStyle.Cake with { Program = ["dotnet", "cake", "--target=Sweep"], Overrides = ["seed=5"] });

        Assert.Equal(3, entries.Count);
        Assert.All(entries, e => Assert.Equal("dotnet cake --target=Sweep --experiment=sweep.yaml --set=seed=5 --worker", e.Command));
        Assert.Equal(["worker-0", "worker-1", "worker-2"], entries.Select(e => e.Trial));
        using var json = System.Text.Json.JsonDocument.Parse(SweepPlanWriter.ToWorkerJson(entries, "sweep.yaml"));
        Assert.Equal(sweep.Hash, json.RootElement.GetProperty("spec_hash").GetString());
        Assert.Equal(entries[2].Arguments, json.RootElement.GetProperty("workers")[2].GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
    }
}
