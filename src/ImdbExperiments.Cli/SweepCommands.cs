using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;
using Spectre.Console;

namespace ImdbExperiments.Cli;

/// <summary><c>imdbx sweep</c> runs a sweep's trials (each a child MLflow run); <c>imdbx sweep plan</c> prints one command per pending trial.</summary>
static class SweepCommands
{
    public static Command Create()
    {
        var command = new Command("sweep", "Run every pending trial of a sweep spec (sweep: section), then print the trials sorted by the sweep metric.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Artifacts, CommonOptions.NoWait, CommonOptions.LockTimeout,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(() => RunAsync(result, cancellationToken)));
        command.Subcommands.Add(Plan());
        return command;
    }

    static Command Plan()
    {
        var style = new Option<string>("--style") { Description = "Commands as 'cake' (dotnet cake --target=Evaluate ...) or 'imdbx' (imdbx evaluate ...).", DefaultValueFactory = _ => "cake" };
        style.AcceptOnlyFromAmong("cake", "imdbx");
        var command = new Command("plan", "Print one self-contained command per trial not yet finished (or JSON), to run trials on many machines against a shared cache.")
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Json, CommonOptions.Artifacts, style,
        };
        command.SetAction((result, _) => CliErrors.RunAsync(() =>
        {
            var context = StageCommands.CreateContext(result);
            var experiment = Path.GetRelativePath(Directory.GetCurrentDirectory(), context.Spec.SourcePath);
            RequireSweep(context.Spec);
            var pending = SweepPlanner.Plan(context.Spec)
                .Where(trial => Finished(context, trial) is null)
                .ToArray();
            var commandStyle = result.GetValue(style) == "imdbx"
                ? SweepCommandStyle.Imdbx with { Program = ["imdbx", "evaluate"] }
                : SweepCommandStyle.Cake with { Program = ["dotnet", "cake", "--target=Evaluate"] };
            var entries = SweepPlanWriter.Entries(pending, experiment, commandStyle with { Overrides = result.GetValue(CommonOptions.Set) ?? [] });
            Console.Write(result.GetValue(CommonOptions.Json) ? SweepPlanWriter.ToJson(entries, experiment) + "\n" : SweepPlanWriter.ToShell(entries));
            return Task.FromResult(0);
        }));
        return command;
    }

    static async Task<int> RunAsync(ParseResult result, CancellationToken cancellationToken)
    {
        var context = StageCommands.CreateContext(result);
        var sweep = RequireSweep(context.Spec);
        var parentFolder = Path.Combine(context.ArtifactsDirectory, "runs", RunRecorder.RunName(context.Spec));
        // tpe proposes from the results so far, and the halving pruners compare pruned trials too: both keep study.json.
        var study = sweep.Method == SweepMethod.Tpe || sweep.EarlyStopping?.Type is EarlyStoppingRule.Asha or EarlyStoppingRule.Hyperband
            ? SweepStudy.Open(parentFolder, context.Spec) : null;
        IEnumerable<SweepTrial> trials = study?.Trials() ?? SweepPlanner.Plan(context.Spec);
        var trialCount = study?.TrialCount ?? ((IReadOnlyList<SweepTrial>)trials).Count;
        Console.WriteLine($"sweep     {trialCount} trials ({sweep.Method.ToString().ToLowerInvariant()}), metric {sweep.Metric} ({sweep.Goal.ToString().ToLowerInvariant()})");

        var options = RunTracking.TrackingOptions(context);
        var tags = RunTracking.RunTags(context.Spec, RunEnvironment.GitCommit(Directory.GetCurrentDirectory()));
        await using var parent = RunTracker.StartOrResume(new RunStart(parentFolder) { RunName = RunRecorder.RunName(context.Spec), Tags = tags }, options);
        parent.SetTags(tags.Where(t => t.Key != TrackingTags.RunName)); // a parent first started by an older version gets them too
        var tracker = new SweepTracker(parent, context.Spec, options);
        tracker.LogSweep(trialCount);

        var runner = new SweepRunner(sweep)
        {
            Study = study,
            Seed = unchecked((ulong)(long)(sweep.Seed ?? context.Spec.Spec.Seed)),
            TrialStarting = trial => Console.WriteLine($"trial     {trial.Name}  {string.Join(" ", trial.Overrides.Select(o => $"{o.Key}={o.Value}"))}"),
            TrialEnded = outcome => Console.WriteLine($"trial     {outcome.Trial.Name}  {outcome.Result.Status.ToString().ToLowerInvariant()}" +
                (outcome.Reused ? " (finished before)" : "") + (outcome.MetricValue is { } v ? string.Create(CultureInfo.InvariantCulture, $"  {sweep.Metric} {v:0.0000}") : "")),
        };
        SweepSummary summary;
        try
        {
            summary = await runner.RunAsync(trials, (trial, ct) => RunTrialAsync(context, trial, tracker, runner, ct), trial => Finished(context, trial), cancellationToken);
        }
        catch (Exception e)
        {
            await parent.EndAsync(e is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, e is OperationCanceledException ? null : e);
            throw;
        }
        tracker.LogBest(summary);
        tracker.LogTable(summary, parentFolder);
        await parent.EndAsync(RunStatus.Finished);

        AnsiConsole.Write(SweepTable.Build(summary));
        if (summary.Best is { } best)
            Console.WriteLine($"best      {best.Trial.Name}  {string.Join(" ", best.Trial.Overrides.Select(o => $"{o.Key}={o.Value}"))}");
        return summary.Trials.Any(t => t.Result.Status == TrialStatus.Failed) ? CliErrors.Failed : 0;
    }

    static async Task<TrialResult> RunTrialAsync(PipelineContext sweepContext, SweepTrial trial, SweepTracker tracker, SweepRunner runner, CancellationToken cancellationToken)
    {
        var metric = sweepContext.Spec.Spec.Sweep!.Metric;
        var evaluations = new List<double>();
        using var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        RunTracker? child = null;
        var observer = new EarlyStopping(metric, evaluations, () =>
        {
            if (!runner.ShouldStop(evaluations)) return;
            child?.SetTags([new(SweepTags.PrunedAt, evaluations.Count.ToString(CultureInfo.InvariantCulture))]);
            stop.Cancel();
        });
        try
        {
            var run = await ExperimentRun.RunAsync(sweepContext with { Spec = trial.Spec }, evaluate: true, linked.Token,
                folder => child = tracker.StartTrial(trial, folder), observer);
            return new TrialResult { Metrics = Metrics(run.Train, run.Evaluate), Evaluations = evaluations, RunId = run.Tracking?.RunId };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new TrialResult { Status = TrialStatus.Stopped, Evaluations = evaluations, PrunedAt = evaluations.Count };
        }
    }

    /// <summary>A trial whose evaluation is cached and whose run folder recorded it: nothing left to do.</summary>
    static TrialResult? Finished(PipelineContext sweepContext, SweepTrial trial)
    {
        var context = sweepContext with { Spec = trial.Spec, Log = TextWriter.Null };
        var pipeline = new Pipeline(PipelineStages.Create(), context);
        if (pipeline.TryGetCached("evaluate") is not { } evaluate || pipeline.TryGetCached("train") is not { } train) return null;
        var metrics = Path.Combine(context.ArtifactsDirectory, "runs", RunRecorder.RunName(trial.Spec), RunFolder.MetricsFileName);
        if (!File.Exists(metrics) || JsonNode.Parse(File.ReadAllText(metrics))?["test"] is null) return null;
        return new TrialResult { Metrics = Metrics(train, evaluate) };
    }

    static Dictionary<string, double> Metrics(StageOutput train, StageOutput? evaluate)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (train.Manifest.Summary["validation"] is JsonObject validation)
            foreach (var (key, value) in RunTracking.Metrics("validation", validation)) metrics[key] = value;
        if (evaluate?.Manifest.Summary["test"] is JsonObject test)
            foreach (var (key, value) in RunTracking.Metrics("test", test)) metrics[key] = value;
        return metrics;
    }

    static SweepSpec RequireSweep(ResolvedSpec spec) => spec.Spec.Sweep
        ?? throw new ArgumentException($"{spec.SourcePath} has no sweep: section; run it with the Train or Evaluate target instead.");

    /// <summary>Collects the sweep metric at each evaluation and asks the sweep's early-stopping rule.</summary>
    sealed class EarlyStopping(string metric, List<double> evaluations, Action check) : ITrainingObserver
    {
        public void Started(int totalSteps, int? resumedFromStep) { }
        public void Step(TrainingProgress progress) { }
        public void Evaluation(EvaluationRecord evaluation) { }

        // The history entry the run records: the rule sees exactly the values MLflow gets.
        public void Logged(HistoryEntry entry)
        {
            if (entry is not EvaluationEntry evaluation) return;
            if (evaluation.Metrics().Where(m => m.Key == metric).Select(m => (double?)m.Value).FirstOrDefault() is { } value)
                evaluations.Add(value);
            check();
        }
    }
}
