using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Tracks a sweep as MLflow does nested runs: the parent run describes the sweep (<see cref="SweepTags"/> and the sweep's
/// definition as params), each trial is a child run (mlflow.parentRunId) with its params and a sweep/trial tag, and at the
/// end the parent's metrics are the best trial's and its artifact the sweep table. A re-run of a finished sweep adds nothing.
/// </summary>
public sealed class SweepTracker(RunTracker parent, ResolvedSpec sweep, TrackingOptions? options = null)
{
    public RunTracker Parent { get; } = parent;

    /// <summary>The parent's table of trials, logged as an artifact.</summary>
    public const string TableFileName = "sweep_table.csv";

    /// <summary>Logs the sweep's definition (<see cref="DefinitionParams"/>) as the parent's params and the sweep tags.</summary>
    public void LogSweep(IReadOnlyList<SweepTrial> trials) => LogSweep(trials.Count);

    /// <summary>The same, for a sweep of <paramref name="trialCount"/> trials (tpe proposes them as it goes).</summary>
    public void LogSweep(int trialCount)
    {
        var spec = sweep.Spec.Sweep ?? throw new ArgumentException($"'{sweep.SourcePath}' has no sweep section.", nameof(sweep));
        Parent.LogParams(DefinitionParams(sweep));
        var keys = SweptKeys(spec);
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
        var childOptions = TrialOptions;
        var child = RunTracker.HasRun(runFolder, childOptions) ? RunTracker.Resume(runFolder, childOptions) : Parent.StartChild(TrialStart(trial, runFolder));
        if (logParams)
        {
            child.LogParams(trial.Spec.Flatten());
        }

        return child;
    }

    /// <summary>How a trial's run is tracked: where its parent logs, so its journal for the parent's target is the one to resume.</summary>
    public TrackingOptions TrialOptions => (options ?? new TrackingOptions()) with { TrackingUri = Parent.TrackingUri };

    /// <summary>
    /// Ends as FAILED the run an earlier attempt of a trial left in <paramref name="runFolder"/> when that attempt's process died
    /// (its journal has the run and never ended it; a live one holds the journal's lock and ends it), with the tag
    /// sweep/worker_died naming the dead worker. The attempt that follows resumes the same run (RUNNING again), as a resumed
    /// run does, so MLflow keeps one run per trial. Optuna ends a trial whose worker died the same way: fail_stale_trials in
    /// optuna/storages/_heartbeat.py sets it to FAIL.
    /// </summary>
    public static async Task EndDeadAttemptAsync(string runFolder, TrackingOptions options, LockHolder? deadWorker)
    {
        var folder = Path.GetFullPath(runFolder);
        var journalFile = RunJournal.JournalFileFor(folder, TrackingTarget.Of(options).Uri);
        var events = RunJournal.ReadEntries(folder, 0, journalFile).Select(entry => entry.Event).ToList();
        if (!events.OfType<StartRunEvent>().Any() || events.OfType<StatusEvent>().LastOrDefault() is { Status: not RunStatus.Running })
        {
            return;
        }

        await using var dead = RunTracker.Resume(folder, options);
        dead.SetTag(SweepTags.WorkerDied, deadWorker?.Describe() ?? "the process of an earlier attempt ended without ending this run");
        await dead.EndAsync(RunStatus.Failed);
    }

    /// <summary>
    /// The same as <see cref="StartTrial"/> for a worker of a study whose parent run another process holds: the child of the
    /// run recorded in <paramref name="parentFolder"/>, found through its journal (<see cref="RunTracker.StartChildOf"/>).
    /// </summary>
    public static RunTracker StartTrialOf(string parentFolder, SweepTrial trial, string runFolder, TrackingOptions options)
    {
        var child = RunTracker.HasRun(runFolder, options) ? RunTracker.Resume(runFolder, options) : RunTracker.StartChildOf(parentFolder, TrialStart(trial, runFolder), options);
        child.LogParams(trial.Spec.Flatten());
        return child;
    }

    private static RunStart TrialStart(SweepTrial trial, string runFolder) => new(runFolder)
    {
        RunName = trial.Name,
        Tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SweepTags.Trial] = trial.Name,
            [SweepTags.TrialIndex] = trial.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [SweepTags.SpecHash] = trial.SpecHash,
        },
    };

    /// <summary>
    /// The sweep as params: the base spec's keys except the swept ones (no trial used their base values), the sweep
    /// section's own keys (sweep.method, sweep.metric, sweep.goal, ...), and per swept key <c>sweep.&lt;key&gt;</c> = its
    /// values as a JSON list, or its distribution ("log_uniform(min=1e-05, max=0.0001)").
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefinitionParams(ResolvedSpec sweep)
    {
        var spec = sweep.Spec.Sweep ?? throw new ArgumentException($"'{sweep.SourcePath}' has no sweep section.", nameof(sweep));
        var swept = SweptKeys(spec).ToHashSet(StringComparer.Ordinal);
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in sweep.Flatten())
        {
            if (!swept.Contains(key))
            {
                parameters[key] = value;
            }
        }

        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var key in swept)
        {
            var parameter = spec.Parameters.FirstOrDefault(p => p.Key == key);
            parameters["sweep." + key] = parameter?.Distribution is { } distribution && distribution != SweepDistribution.Choice
                ? string.Create(invariant, $"{SpecWriter.EnumName(distribution)}(min={parameter.Min}, max={parameter.Max})")
                : "[" + string.Join(", ", (parameter?.Values ?? spec.List.Where(t => t.ContainsKey(key)).Select(t => t[key]).Distinct()).Select(v => v)) + "]";
        }

        return parameters;
    }

    /// <summary>
    /// Sets the parent's metrics to the best trial's final metrics (at the step = completed trials, so a re-run with the
    /// same trials logs nothing and a grown sweep logs its new best), tags the best trial; nothing when no trial completed.
    /// </summary>
    public void LogBest(SweepSummary summary, long? step = null)
    {
        if (summary.Best is not { } best)
        {
            return;
        }

        Parent.LogMetrics(best.Result.Metrics, step ?? summary.Trials.Count(t => t.Result.Status == TrialStatus.Completed));
        var tags = new List<KeyValuePair<string, string>> { new(SweepTags.BestTrial, best.Trial.Name) };
        if (best.Result.RunId is { } runId)
        {
            tags.Add(new(SweepTags.BestRunId, runId));
        }

        Parent.SetTags(tags);
    }

    /// <summary>
    /// Writes the sweep table (trial, status, the swept values, the sweep metric) into <paramref name="folder"/> and logs it
    /// on the parent. Whether a trial was reused is left out, so a re-run writes the same bytes and uploads nothing.
    /// </summary>
    public void LogTable(SweepSummary summary, string folder)
    {
        var spec = sweep.Spec.Sweep!;
        var keys = SweptKeys(spec).ToList();
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var lines = new List<string> { string.Join(",", new[] { "trial", "status" }.Concat(keys).Append(summary.Metric).Select(Csv)) };
        foreach (var outcome in summary.Trials.OrderBy(t => t.Trial.Index))
        {
            lines.Add(string.Join(",", new[] { outcome.Trial.Name, outcome.Result.Status.ToString().ToLowerInvariant() }
                .Concat(keys.Select(k => outcome.Trial.Overrides.TryGetValue(k, out var v) ? v : ""))
                .Append(outcome.MetricValue is { } value ? value.ToString("R", invariant) : "")
                .Select(Csv)));
        }

        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, TableFileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Join("\n", lines) + "\n");
        File.Move(temporary, path, overwrite: true);
        Parent.LogArtifact(path);
    }

    private static IEnumerable<string> SweptKeys(SweepSpec spec) => spec.Method == SweepMethod.List
        ? spec.List.SelectMany(t => t.Keys).Distinct().Order(StringComparer.Ordinal)
        : spec.Parameters.Select(p => p.Key).Order(StringComparer.Ordinal);

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
