using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Tracks a sweep as MLflow does nested runs: the parent run describes the sweep (<see cref="SweepTags"/>), each trial is a
/// child run (mlflow.parentRunId) with its params and a sweep/trial tag, and at the end the parent's metrics are the best trial's.
/// </summary>
public sealed class SweepTracker(RunTracker parent, ResolvedSpec sweep, TrackingOptions? options = null)
{
    public RunTracker Parent { get; } = parent;

    /// <summary>Logs the sweep spec as the parent's params and the sweep tags.</summary>
    public void LogSweep(IReadOnlyList<SweepTrial> trials) => LogSweep(trials.Count);

    /// <summary>Logs the sweep spec as the parent's params and the sweep tags, for a sweep of <paramref name="trialCount"/> trials (tpe proposes them later).</summary>
    public void LogSweep(int trialCount)
    {
        var spec = sweep.Spec.Sweep ?? throw new ArgumentException($"'{sweep.SourcePath}' has no sweep section.", nameof(sweep));
        Parent.LogParams(sweep.Flatten());
        var keys = spec.Method == SweepMethod.List
            ? spec.List.SelectMany(t => t.Keys).Distinct().Order(StringComparer.Ordinal)
            : spec.Parameters.Select(p => p.Key).Order(StringComparer.Ordinal);
        Parent.SetTags(
        [
            new(SweepTags.Method, SpecWriter.EnumName(spec.Method)),
            new(SweepTags.Metric, spec.Metric),
            new(SweepTags.Goal, SpecWriter.EnumName(spec.Goal)),
            new(SweepTags.Parameters, string.Join(",", keys)),
            new(SweepTags.TrialCount, trialCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ]);
    }

    /// <summary>
    /// The trial's child run, in <paramref name="runFolder"/>: started with the tags sweep/trial, sweep/trial_index and
    /// sweep/spec_hash and (unless <paramref name="logParams"/> is false) the trial spec's params; or, when that folder holds
    /// the journal of an interrupted attempt, that same run reopened, so a resumed sweep keeps one child run per trial.
    /// </summary>
    public RunTracker StartTrial(SweepTrial trial, string runFolder, bool logParams = true)
    {
        var resumable = RunJournal.ReadEntries(Path.GetFullPath(runFolder), 0).Any(entry => entry.Event is StartRunEvent);
        var child = resumable
            ? RunTracker.Resume(runFolder, options)
            : Parent.StartChild(new RunStart(runFolder)
            {
                RunName = trial.Name,
                Tags = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [SweepTags.Trial] = trial.Name,
                    [SweepTags.TrialIndex] = trial.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [SweepTags.SpecHash] = trial.SpecHash,
                },
            });
        if (logParams)
        {
            child.LogParams(trial.Spec.Flatten());
        }

        return child;
    }

    /// <summary>Sets the parent's metrics to the best trial's final metrics and tags the best trial; nothing when no trial completed.</summary>
    public void LogBest(SweepSummary summary, long step = 0)
    {
        if (summary.Best is not { } best)
        {
            return;
        }

        Parent.LogMetrics(best.Result.Metrics, step);
        var tags = new List<KeyValuePair<string, string>> { new(SweepTags.BestTrial, best.Trial.Name) };
        if (best.Result.RunId is { } runId)
        {
            tags.Add(new(SweepTags.BestRunId, runId));
        }

        Parent.SetTags(tags);
    }
}
