using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// A sweep run end to end, as <c>imdbx sweep</c> does it: the study opened, the trials run through <see cref="SweepRunner"/>
/// (each an <see cref="ExperimentRun"/> with the early-stopping rule watching its evaluations), the parent run and one child
/// run per trial tracked by <see cref="SweepTracker"/>, the best trial and the sweep table logged at the end.
/// <para>
/// Parallel trials run in worker processes (<see cref="RunParallelAsync"/>), never side by side in one process: libtorch's
/// thread count and its global generator (which seeds dropout) are per process, so two trials in one would change each
/// other's results.
/// </para>
/// </summary>
public static class SweepExecution
{
    /// <summary>libtorch threads per trial when <paramref name="parallel"/> trials share <paramref name="processorCount"/> cores: an equal share, at least 1.</summary>
    public static int TrialThreads(int parallel, int processorCount) => Math.Max(1, processorCount / Math.Max(1, parallel));

    /// <summary>
    /// Whether the sweep's trials come from its study (<see cref="SweepStudy"/>) rather than a plan printed ahead: tpe
    /// proposes from what has finished, and the halving pruners compare with every trial that reached a rung.
    /// </summary>
    public static bool NeedsStudy(SweepSpec sweep) =>
        sweep.Method == SweepMethod.Tpe || sweep.EarlyStopping?.Type is EarlyStoppingRule.Asha or EarlyStoppingRule.Hyperband;

    /// <summary>The sweep's run folder: its parent run's journal, its study and its table live there.</summary>
    public static string ParentFolder(PipelineContext context) => Path.Combine(context.ArtifactsDirectory, "runs", RunRecorder.RunName(context.Spec));

    /// <exception cref="ArgumentException">The spec has no sweep section.</exception>
    public static SweepSpec RequireSweep(ResolvedSpec spec) => spec.Spec.Sweep
        ?? throw new ArgumentException($"{spec.SourcePath} has no sweep: section; run it with the Train or Evaluate target instead.");

    /// <summary>
    /// Runs the sweep's pending trials in this process, one at a time. As a <see cref="SweepExecutionOptions.Worker"/> it takes
    /// trials from the shared study until the budget is spent; the worker that holds the parent run then waits for (or takes
    /// over) the trials other workers still have, and ends the parent; the others leave it to that one.
    /// </summary>
    public static async Task<SweepExecutionResult> RunAsync(PipelineContext context, SweepExecutionOptions options, CancellationToken cancellationToken)
    {
        var sweep = RequireSweep(context.Spec);
        var parentFolder = ParentFolder(context);
        var study = NeedsStudy(sweep) || options.Worker ? SweepStudy.Open(parentFolder, context.Spec) : null;
        var plan = study is null ? SweepPlanner.Plan(context.Spec) : null;
        var trialCount = study?.TrialCount ?? plan!.Count;
        options.Output(Describe(context.Spec, sweep, trialCount, options));

        var trackingOptions = RunTracking.TrackingOptions(context);
        var parent = options.Worker ? TryOpenParent(context, parentFolder, trackingOptions) : OpenParent(context, parentFolder, trackingOptions);
        try
        {
            SweepTracker? tracker = null;
            if (parent is not null)
            {
                tracker = new SweepTracker(parent, context.Spec, trackingOptions);
                tracker.LogSweep(trialCount);
            }
            else
            {
                await WaitForParentAsync(parentFolder, trackingOptions, options, cancellationToken);
            }

            RunTracker StartTrial(SweepTrial trial, string folder) =>
                tracker?.StartTrial(trial, folder) ?? SweepTracker.StartTrialOf(parentFolder, trial, folder, trackingOptions);

            // The trial's own target, as StartTrial opens it: its run there is the one an earlier attempt may have left.
            Task EndDeadAttemptAsync(SweepTrial trial, string folder) =>
                SweepTracker.EndDeadAttemptAsync(folder, tracker?.TrialOptions ?? trackingOptions, study?.DeadWorkerOf(trial));

            var runner = Runner(context, sweep, study, options);
            var summary = await runner.RunAsync(study?.Trials(cancellationToken) ?? plan!,
                (trial, ct) => RunTrialAsync(context, trial, StartTrial, EndDeadAttemptAsync, runner, options, ct), trial => Finished(context, trial), cancellationToken);
            if (tracker is null)
            {
                return await ConcludeOrphanedParentAsync(context, parentFolder, trackingOptions, study, sweep, summary, trialCount)
                    ?? new SweepExecutionResult(summary, trialCount, ParentEnded: false);
            }

            // Other workers still run trials of the study: the parent ends once they have (the study's trials waited for them, and ran a dead one's again).
            var waited = false;
            while (study is not null && study.RunningElsewhere() is var running && running > 0)
            {
                if (!waited)
                {
                    options.Output($"sweep     waiting for {running} trials that other workers run");
                    waited = true;
                }

                await Task.Delay(options.WorkerPollInterval, cancellationToken);
            }

            if (study is not null)
            {
                summary = Merge(summary, study, sweep);
            }

            await ConcludeAsync(tracker, summary, parentFolder);
            return new SweepExecutionResult(summary, trialCount, ParentEnded: true);
        }
        catch (Exception e) when (parent is not null)
        {
            await parent.EndAsync(e is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, e is OperationCanceledException ? null : e);
            throw;
        }
        finally
        {
            if (parent is not null)
            {
                await parent.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// <c>--parallel N</c>: this process holds the parent run and starts <see cref="SweepExecutionOptions.Parallel"/> workers
    /// (<paramref name="startWorker"/>: a worker process of the same sweep, told to stop when its token is cancelled), which
    /// share the study and each run one trial at a time; when they have all ended, the parent gets the best trial and the table.
    /// </summary>
    /// <param name="startWorker">Runs worker number i (from 0) to its end and returns how it ended.</param>
    public static async Task<SweepExecutionResult> RunParallelAsync(PipelineContext context, SweepExecutionOptions options,
        Func<int, CancellationToken, Task<SweepWorkerExit>> startWorker, CancellationToken cancellationToken)
    {
        var sweep = RequireSweep(context.Spec);
        var parentFolder = ParentFolder(context);
        var study = SweepStudy.Open(parentFolder, context.Spec);
        options.Output(Describe(context.Spec, sweep, study.TrialCount, options));
        var trackingOptions = RunTracking.TrackingOptions(context);
        await using var parent = OpenParent(context, parentFolder, trackingOptions);
        var tracker = new SweepTracker(parent, context.Spec, trackingOptions);
        tracker.LogSweep(study.TrialCount);
        try
        {
            var exits = study.IsComplete() ? [] : await Task.WhenAll(Enumerable.Range(0, options.Parallel).Select(i => startWorker(i, cancellationToken)));
            cancellationToken.ThrowIfCancellationRequested();
            var summary = SweepSummary.Create(sweep.Metric, sweep.Goal, study.FinishedResults().Select(f => (f.Trial, f.Result, Reused: false)));
            await ConcludeAsync(tracker, summary, parentFolder);

            return new SweepExecutionResult(summary, study.TrialCount, ParentEnded: true) { WorkerFailures = WorkerFailures(study, exits) };
        }
        catch (Exception e)
        {
            await parent.EndAsync(e is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, e is OperationCanceledException ? null : e);
            throw;
        }
    }

    /// <summary>The workers that ended with an error, each with the trial it died holding (the study's claims and dead workers name it).</summary>
    private static List<SweepWorkerFailure> WorkerFailures(SweepStudy study, IReadOnlyList<SweepWorkerExit> exits) =>
        [.. exits.Select((exit, worker) => (exit, worker)).Where(e => e.exit.ExitCode != 0).Select(e =>
            study.TrialOfDeadWorker(e.exit.ProcessId) is { } trial
                ? new SweepWorkerFailure(e.worker, e.exit, trial.Name, study.HasFinished(trial))
                : new SweepWorkerFailure(e.worker, e.exit, Trial: null, TrialFinished: false))];

    /// <summary>
    /// A worker that did not get the parent run, at the end of a whole study: when the worker that held the parent died (its
    /// folder's lock is free again), this one ends it as a new sweep run would; null while a live worker holds it. One that
    /// ended it already leaves nothing to add: every event is one the parent's journal holds.
    /// </summary>
    private static async Task<SweepExecutionResult?> ConcludeOrphanedParentAsync(PipelineContext context, string parentFolder, TrackingOptions trackingOptions,
        SweepStudy? study, SweepSpec sweep, SweepSummary summary, int trialCount)
    {
        if (study is null || !study.IsComplete() || TryOpenParent(context, parentFolder, trackingOptions) is not { } orphan)
        {
            return null;
        }

        await using (orphan)
        {
            summary = Merge(summary, study, sweep);
            await ConcludeAsync(new SweepTracker(orphan, context.Spec, trackingOptions), summary, parentFolder);
        }

        return new SweepExecutionResult(summary, trialCount, ParentEnded: true);
    }

    /// <summary>The summary with the trials other workers finished meanwhile.</summary>
    private static SweepSummary Merge(SweepSummary summary, SweepStudy study, SweepSpec sweep)
    {
        var known = summary.Trials.Select(t => t.Trial.Index).ToHashSet();
        return SweepSummary.Create(sweep.Metric, sweep.Goal, summary.Trials.Select(t => (t.Trial, t.Result, t.Reused))
            .Concat(study.FinishedResults().Where(f => !known.Contains(f.Trial.Index)).Select(f => (f.Trial, f.Result, Reused: true))));
    }

    private static string Describe(ResolvedSpec spec, SweepSpec sweep, int trialCount, SweepExecutionOptions options)
    {
        var line = $"sweep     {trialCount} trials ({SpecWriter.EnumName(sweep.Method)}), metric {sweep.Metric} ({SpecWriter.EnumName(sweep.Goal)})";
        if (options.Parallel > 1)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", {options.Parallel} at a time");
        }

        if (options.Parallel > 1 || options.Worker)
        {
            line += spec.Spec.Training.Threads is { } threads ? string.Create(CultureInfo.InvariantCulture, $", training.threads {threads}") : "";
        }

        return line;
    }

    private static SweepRunner Runner(PipelineContext context, SweepSpec sweep, SweepStudy? study, SweepExecutionOptions options) => new(sweep)
    {
        Study = study,
        Seed = unchecked((ulong)(long)(sweep.Seed ?? context.Spec.Spec.Seed)),
        TrialStarting = trial => options.Output($"trial     {trial.Name}  {string.Join(" ", trial.Overrides.Select(o => $"{o.Key}={o.Value}"))}"),
        TrialEnded = outcome => options.Output($"trial     {outcome.Trial.Name}  {outcome.Result.Status.ToString().ToLowerInvariant()}" +
            (outcome.Reused ? " (finished before)" : "") + (outcome.MetricValue is { } v ? string.Create(CultureInfo.InvariantCulture, $"  {sweep.Metric} {v:0.0000}") : "") +
            (outcome.Result.Error is { } error ? $"  {error}" : "")),
    };

    private static RunTracker OpenParent(PipelineContext context, string parentFolder, TrackingOptions trackingOptions)
    {
        var tags = RunTracking.RunTags(context.Spec, RunEnvironment.GitCommit(Directory.GetCurrentDirectory()));
        var parent = RunTracker.StartOrResume(new RunStart(parentFolder) { RunName = RunRecorder.RunName(context.Spec), Tags = tags }, trackingOptions);
        parent.SetTags(tags.Where(t => t.Key != TrackingTags.RunName)); // a parent first started by an older version gets them too
        return parent;
    }

    /// <summary>The parent run when no other worker holds it; null when one does (this worker then attaches its trials to it).</summary>
    private static RunTracker? TryOpenParent(PipelineContext context, string parentFolder, TrackingOptions trackingOptions)
    {
        try
        {
            return OpenParent(context, parentFolder, trackingOptions with { RunFolderLock = new LockOptions { NoWait = true } });
        }
        // Held by another worker: it may not have written the parent's start yet; WaitForParentAsync waits for it.
        catch (IOException e) when (e is LockUnavailableException || RunTracker.HasRun(parentFolder, trackingOptions))
        {
            return null;
        }
    }

    // The worker holding the parent writes its start right after taking the lock: a minute covers a loaded machine.
    private static readonly TimeSpan ParentStartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A worker that does not hold the parent needs the parent's start in its journal before its trials can name it.</summary>
    private static async Task WaitForParentAsync(string parentFolder, TrackingOptions trackingOptions, SweepExecutionOptions options, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!RunTracker.HasRun(parentFolder, trackingOptions))
        {
            if (waited.Elapsed > ParentStartTimeout)
            {
                throw new IOException($"The sweep's run folder '{parentFolder}' is held by another process but has no parent run; is another sweep of the same run name running?");
            }

            await Task.Delay(options.WorkerPollInterval / 25, cancellationToken);
        }
    }

    private static async Task ConcludeAsync(SweepTracker tracker, SweepSummary summary, string parentFolder)
    {
        tracker.LogBest(summary);
        tracker.LogTable(summary, parentFolder);
        await tracker.Parent.EndAsync(RunStatus.Finished);
    }

    private static async Task<TrialResult> RunTrialAsync(PipelineContext sweepContext, SweepTrial trial, Func<SweepTrial, string, RunTracker> startTrial,
        Func<SweepTrial, string, Task> endDeadAttempt, SweepRunner runner, SweepExecutionOptions options, CancellationToken cancellationToken)
    {
        var metric = sweepContext.Spec.Spec.Sweep!.Metric;
        var folder = TrialFolder(sweepContext, trial);
        var hook = SweepTestHook.FromEnvironment();
        var firstAttempt = !RunJournal.JournalFiles(folder).Any();
        await endDeadAttempt(trial, folder);
        var evaluations = new List<double>();
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        RunTracker? child = null;
        var observer = new EarlyStopping(metric, evaluations, () =>
        {
            if (!runner.ShouldStop(trial.Index, evaluations))
            {
                return;
            }

            child?.SetTags([new(SweepTags.PrunedAt, evaluations.Count.ToString(CultureInfo.InvariantCulture))]);
            stop.Cancel();
        })
        { StepReached = step => hook?.AtStep(trial, step, firstAttempt) };
        try
        {
            var run = await ExperimentRun.RunAsync(sweepContext with { Spec = trial.Spec }, evaluate: true, linked.Token,
                folder => child = startTrial(trial, folder), observer);
            return new TrialResult { Metrics = Metrics(run.Train, run.Evaluate), Evaluations = evaluations, RunId = run.Tracking?.RunId };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new TrialResult { Status = TrialStatus.Stopped, Evaluations = evaluations, PrunedAt = evaluations.Count };
        }
    }

    /// <summary>A trial whose evaluation is cached and whose run folder recorded it: nothing left to do.</summary>
    public static TrialResult? Finished(PipelineContext sweepContext, SweepTrial trial)
    {
        var context = sweepContext with { Spec = trial.Spec, Log = TextWriter.Null };
        var pipeline = new Pipeline(PipelineStages.Create(), context);
        if (pipeline.TryGetCached("evaluate") is not { } evaluate || pipeline.TryGetCached("train") is not { } train)
        {
            return null;
        }

        var metrics = Path.Combine(TrialFolder(context, trial), RunFolder.MetricsFileName);
        if (!File.Exists(metrics) || JsonNode.Parse(File.ReadAllText(metrics))?["test"] is null)
        {
            return null;
        }

        return new TrialResult { Metrics = Metrics(train, evaluate) };
    }

    /// <summary>The trial's run folder, as <see cref="ExperimentRun"/> names it.</summary>
    private static string TrialFolder(PipelineContext context, SweepTrial trial) => Path.Combine(context.ArtifactsDirectory, "runs", RunRecorder.RunName(trial.Spec));

    private static Dictionary<string, double> Metrics(StageOutput train, StageOutput? evaluate)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (train.Manifest.Summary["validation"] is JsonObject validation)
        {
            foreach (var (key, value) in RunTracking.Metrics("validation", validation))
            {
                metrics[key] = value;
            }
        }

        if (evaluate?.Manifest.Summary["test"] is JsonObject test)
        {
            foreach (var (key, value) in RunTracking.Metrics("test", test))
            {
                metrics[key] = value;
            }
        }

        return metrics;
    }

    /// <summary>Collects the sweep metric at each evaluation and asks the sweep's early-stopping rule.</summary>
    private sealed class EarlyStopping(string metric, List<double> evaluations, Action check) : ITrainingObserver
    {
        public Action<int>? StepReached { get; init; }

        public void Started(int totalSteps, int? resumedFromStep) { }

        public void Step(TrainingProgress progress) => StepReached?.Invoke(progress.Step);

        public void Evaluation(EvaluationRecord evaluation) { }

        // The history entry the run records: the rule sees exactly the values MLflow gets.
        public void Logged(HistoryEntry entry)
        {
            if (entry is not EvaluationEntry evaluation)
            {
                return;
            }

            if (evaluation.Metrics().Where(m => m.Key == metric).Select(m => (double?)m.Value).FirstOrDefault() is { } value)
            {
                evaluations.Add(value);
            }

            check();
        }
    }
}
