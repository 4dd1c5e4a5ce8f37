using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Runs a sweep's trials, <see cref="Parallel"/> at a time. A trial that has already finished (the study or the caller's
/// <c>tryGetFinished</c> answers it, e.g. from the stage cache) is not run again, so a sweep that was interrupted and
/// started again runs only the trials that had not finished. A trial that throws is recorded as failed and the sweep goes
/// on; cancellation stops every running trial and the sweep (after they have all ended).
/// </summary>
public sealed class SweepRunner(SweepSpec sweep)
{
    private readonly List<IReadOnlyList<double>> _completedEvaluations = [];
    private readonly List<(int Index, TrialStatus Status, IReadOnlyList<double> Evaluations)> _endedEvaluations = [];
    private int _runningIndex;
    private readonly Lock _lock = new();

    /// <summary>Called before a trial runs (not for reused trials).</summary>
    public Action<SweepTrial>? TrialStarting { get; init; }

    /// <summary>Called after each trial, run or reused.</summary>
    public Action<SweepTrialOutcome>? TrialEnded { get; init; }

    public SweepSpec Sweep { get; } = sweep;

    /// <summary>The sweep's study file: finished trials are taken from it and recorded in it (a tpe sweep's trials come from it).</summary>
    public SweepStudy? Study { get; init; }

    /// <summary>The seed the hyperband rule assigns brackets with (sweep.seed, else the spec's seed).</summary>
    public ulong Seed { get; init; }

    /// <summary>How many trials run at once (at least 1); the next trial is taken from the plan when one ends.</summary>
    public int Parallel { get; init; } = 1;

    /// <param name="trials">The plan (<see cref="SweepPlanner.Plan"/> or <see cref="SweepStudy.Trials"/>), taken in its order; enumerated one trial at a time, when a slot is free.</param>
    /// <param name="runTrial">Trains one trial and reports its result; may call <see cref="ShouldStop(int, IReadOnlyList{double})"/> after each evaluation.</param>
    /// <param name="tryGetFinished">The result of a trial that finished before, or null to run it.</param>
    public async Task<SweepSummary> RunAsync(
        IEnumerable<SweepTrial> trials,
        Func<SweepTrial, CancellationToken, Task<TrialResult>> runTrial,
        Func<SweepTrial, TrialResult?>? tryGetFinished = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallel, 1);
        var outcomes = new List<(SweepTrial Trial, TrialResult Result, bool Reused)>();
        using var plan = trials.GetEnumerator();
        var planGate = new SemaphoreSlim(1, 1);

        // The next trial of the plan, or null at its end; one slot at a time reads it (a tpe proposal sees what has finished).
        async Task<SweepTrial?> NextAsync()
        {
            await planGate.WaitAsync(CancellationToken.None);
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                return plan.MoveNext() ? plan.Current : null;
            }
            finally
            {
                planGate.Release();
            }
        }

        async Task SlotAsync()
        {
            while (await NextAsync() is { } trial)
            {
                var outcome = await RunOneAsync(trial, runTrial, tryGetFinished, cancellationToken);
                lock (_lock)
                {
                    outcomes.Add(outcome);
                }

                TrialEnded?.Invoke(new SweepTrialOutcome(trial, outcome.Result, outcome.Reused, SweepSummary.MetricOf(outcome.Result, Sweep.Metric), IsBest: false));
            }
        }

        var slots = Enumerable.Range(0, Parallel).Select(_ => Task.Run(SlotAsync, CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(slots);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken); // every slot has ended: each running trial saw the cancellation
        }

        // Trials another worker finished while this one ran belong to the summary too.
        if (Study is not null)
        {
            var known = outcomes.Select(o => o.Trial.Index).ToHashSet();
            outcomes.AddRange(Study.FinishedResults().Where(f => !known.Contains(f.Trial.Index)).Select(f => (f.Trial, f.Result, true)));
        }

        return SweepSummary.Create(Sweep.Metric, Sweep.Goal, outcomes);
    }

    private async Task<(SweepTrial Trial, TrialResult Result, bool Reused)> RunOneAsync(SweepTrial trial,
        Func<SweepTrial, CancellationToken, Task<TrialResult>> runTrial, Func<SweepTrial, TrialResult?>? tryGetFinished, CancellationToken cancellationToken)
    {
        try
        {
            var result = Study?.TryGetFinished(trial) ?? tryGetFinished?.Invoke(trial);
            var reused = result is not null;
            if (result is null)
            {
                TrialStarting?.Invoke(trial);
                _runningIndex = trial.Index;
                try
                {
                    result = await runTrial(trial, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception exception)
                {
                    result = new TrialResult { Status = TrialStatus.Failed, Error = $"{exception.GetType().Name}: {exception.Message}" };
                }
            }

            lock (_lock)
            {
                if (result.Status == TrialStatus.Completed && result.Evaluations.Count > 0)
                {
                    _completedEvaluations.Add(result.Evaluations);
                }

                if (result.Status is TrialStatus.Completed or TrialStatus.Stopped && result.Evaluations.Count > 0)
                {
                    _endedEvaluations.Add((trial.Index, result.Status, result.Evaluations));
                }
            }

            Study?.Record(trial, result);
            return (trial, result, reused);
        }
        finally
        {
            Study?.Release(trial);
        }
    }

    /// <summary>The same as <see cref="ShouldStop(int, IReadOnlyList{double})"/> for the trial started last (one trial at a time).</summary>
    public bool ShouldStop(IReadOnlyList<double> evaluationsSoFar) => ShouldStop(_runningIndex, evaluationsSoFar);

    /// <summary>
    /// Whether trial <paramref name="trialIndex"/>, with these metric values after each of its evaluations so far, should stop
    /// now: the sweep's early_stopping rule (<see cref="MedianStoppingRule"/> against the trials completed so far in this sweep,
    /// <see cref="SuccessiveHalvingRule"/> and <see cref="HyperbandRule"/> against those completed or pruned, by any worker of
    /// the study when there is one; reused ones included, when their result carries <see cref="TrialResult.Evaluations"/>).
    /// Always false without early_stopping.
    /// </summary>
    public bool ShouldStop(int trialIndex, IReadOnlyList<double> evaluationsSoFar)
    {
        if (Sweep.EarlyStopping is not { } rule)
        {
            return false;
        }

        List<IReadOnlyList<double>> others;
        List<(int Index, TrialStatus Status, IReadOnlyList<double> Evaluations)> ended;
        lock (_lock)
        {
            others = [.. _completedEvaluations];
            ended = [.. _endedEvaluations];
        }

        if (Study is not null && rule.Type is EarlyStoppingRule.Asha or EarlyStoppingRule.Hyperband)
        {
            ended = [.. Study.Finished().Where(t => t.Index != trialIndex && t.Status is TrialStatus.Completed or TrialStatus.Stopped && t.Evaluations.Count > 0)
                .Select(t => (t.Index, t.Status, t.Evaluations))];
        }

        return rule.Type switch
        {
            EarlyStoppingRule.Median => MedianStoppingRule.ShouldStop(evaluationsSoFar, others, rule.MinEvaluations, Sweep.Goal),
            EarlyStoppingRule.Asha => SuccessiveHalvingRule.ShouldStop(evaluationsSoFar, ended.Select(e => e.Evaluations), Sweep.Goal,
                rule.MinResource, rule.ReductionFactor, rule.MinEarlyStoppingRate),
            EarlyStoppingRule.Hyperband => HyperbandRule.ShouldStop(trialIndex, evaluationsSoFar, ended, Sweep.Goal, Seed,
                rule.MinResource, rule.ReductionFactor, rule.MaxResource),
            _ => false,
        };
    }
}
