using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Runs a sweep's trials one after another. A trial that has already finished (the caller's <c>tryGetFinished</c>
/// answers it, e.g. from the stage cache) is not run again, so a sweep that was interrupted and started again runs only
/// the trials that had not finished. A trial that throws is recorded as failed and the sweep goes on; cancellation stops it.
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

    /// <param name="trials">The plan (<see cref="SweepPlanner.Plan"/> or <see cref="SweepStudy.Trials"/>), run in its order; enumerated one trial at a time, after the previous one ended.</param>
    /// <param name="runTrial">Trains one trial and reports its result; may call <see cref="ShouldStop"/> after each evaluation.</param>
    /// <param name="tryGetFinished">The result of a trial that finished before, or null to run it.</param>
    public async Task<SweepSummary> RunAsync(
        IEnumerable<SweepTrial> trials,
        Func<SweepTrial, CancellationToken, Task<TrialResult>> runTrial,
        Func<SweepTrial, TrialResult?>? tryGetFinished = null,
        CancellationToken cancellationToken = default)
    {
        var outcomes = new List<(SweepTrial Trial, TrialResult Result, bool Reused)>();
        foreach (var trial in trials)
        {
            cancellationToken.ThrowIfCancellationRequested();
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

            if (result.Status == TrialStatus.Completed && result.Evaluations.Count > 0)
            {
                lock (_lock)
                {
                    _completedEvaluations.Add(result.Evaluations);
                }
            }

            if (result.Status is TrialStatus.Completed or TrialStatus.Stopped && result.Evaluations.Count > 0)
            {
                lock (_lock)
                {
                    _endedEvaluations.Add((trial.Index, result.Status, result.Evaluations));
                }
            }

            Study?.Record(trial, result);
            outcomes.Add((trial, result, reused));
            TrialEnded?.Invoke(new SweepTrialOutcome(trial, result, reused, SweepSummary.MetricOf(result, Sweep.Metric), IsBest: false));
        }

        return SweepSummary.Create(Sweep.Metric, Sweep.Goal, outcomes);
    }

    /// <summary>
    /// Whether the running trial, with these metric values after each of its evaluations so far, should stop now:
    /// the sweep's early_stopping rule (<see cref="MedianStoppingRule"/> against the trials completed so far in this sweep,
    /// <see cref="SuccessiveHalvingRule"/> and <see cref="HyperbandRule"/> against those completed or pruned; reused ones
    /// included, when their result carries <see cref="TrialResult.Evaluations"/>). Always false without early_stopping.
    /// </summary>
    public bool ShouldStop(IReadOnlyList<double> evaluationsSoFar)
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

        return rule.Type switch
        {
            EarlyStoppingRule.Median => MedianStoppingRule.ShouldStop(evaluationsSoFar, others, rule.MinEvaluations, Sweep.Goal),
            EarlyStoppingRule.Asha => SuccessiveHalvingRule.ShouldStop(evaluationsSoFar, ended.Select(e => e.Evaluations), Sweep.Goal,
                rule.MinResource, rule.ReductionFactor, rule.MinEarlyStoppingRate),
            EarlyStoppingRule.Hyperband => HyperbandRule.ShouldStop(_runningIndex, evaluationsSoFar, ended, Sweep.Goal, Seed,
                rule.MinResource, rule.ReductionFactor, rule.MaxResource),
            _ => false,
        };
    }
}
