using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>
/// A run's MLflow side: params, tags and the split datasets at the start, the history entries as training writes them
/// (and replayed from the train stage after it: a cache hit replays all of them), best and test metrics timed as the
/// evaluations that produced them, the run folder's files and the LoggedModel at the end. Everything goes through the
/// run's <see cref="RunTracker"/> journal, which drops what it already holds, so each point reaches each target once.
/// With tracking off (<c>tracking.enabled: false</c>) every call does nothing.
/// </summary>
public sealed class RunTracking : IAsyncDisposable
{
    readonly ResolvedSpec spec;
    readonly RunTracker? tracker;
    readonly IReadOnlyList<DatasetInput> datasets;
    StageOutput? trained;
    IReadOnlyList<Metric> bestMetrics = [];
    bool ended;

    RunTracking(ResolvedSpec spec, RunTracker? tracker, IReadOnlyList<DatasetInput> datasets)
    {
        this.spec = spec;
        this.tracker = tracker;
        this.datasets = datasets;
    }

    /// <summary>Starts (or resumes) the run folder's MLflow run and logs what is known before training.</summary>
    /// <param name="openTracker">opens the MLflow run for the run folder (a sweep's child run); null = a run of its own</param>
    public static RunTracking Start(PipelineContext context, string folder, string runName, JsonObject environment, StageOutput split, StageOutput fetch,
        Func<string, RunTracker>? openTracker)
    {
        var spec = context.Spec;
        if (!spec.Spec.Tracking.Enabled)
            return new RunTracking(spec, null, []);
        var tags = RunTags(spec, (string?)environment["git_commit"]);
        foreach (var (key, value) in environment) tags["imdbx." + key] = value?.ToString() ?? "";
        RunTracker tracker;
        if (openTracker is null)
        {
            tracker = RunTracker.StartOrResume(new RunStart(folder) { RunName = runName, Tags = tags }, TrackingOptions(context));
        }
        else
        {
            tracker = openTracker(folder);
            tracker.SetTags(tags.Where(t => t.Key != TrackingTags.RunName));
        }
        tracker.LogParams(spec.Flatten());
        var datasets = RunDatasets.From(split, fetch);
        foreach (var dataset in datasets)
            tracker.LogInput(dataset);
        return new RunTracking(spec, tracker, datasets);
    }

    /// <summary>How the spec's runs are tracked; where is <see cref="TrackingTarget"/>'s rule (spec, then MLFLOW_* variables, then defaults).</summary>
    public static TrackingOptions TrackingOptions(PipelineContext context) => TrackingOptions(context.Spec) with
    {
        GetEnvironmentVariable = context.Environment,
        Warn = message => context.Log.WriteLine($"tracking  warning: {message}"),
        FinalFlushTimeout = context.TrackingFlushTimeout,
        RunFolderLock = context.Locks,
        OnRunFolderWait = message => context.Log.WriteLine($"run       waiting   {message}"),
    };

    /// <summary>The spec's part of the tracking options, for commands without a pipeline (sync, compare, report).</summary>
    public static TrackingOptions TrackingOptions(ResolvedSpec spec) => new()
    {
        TrackingUri = spec.Spec.Tracking.Uri,
        ExperimentName = spec.Spec.Tracking.Experiment,
        DefaultExperimentName = spec.Spec.Name,
        BaseDirectory = Directory.GetCurrentDirectory(),
    };

    /// <summary>The tags every run of the spec carries: mlflow.user, mlflow.source.name/type, the git commit, the description as mlflow.note.content, the spec's tracking.tags.</summary>
    public static Dictionary<string, string> RunTags(ResolvedSpec spec, string? gitCommit)
    {
        var tags = new Dictionary<string, string>(TrackingTags.System(spec.SourcePath, gitCommit), StringComparer.Ordinal);
        foreach (var (key, value) in spec.Spec.Tracking.Tags) tags[key] = value;
        // MLflow shows a run's description from this tag, not from a param.
        if (!string.IsNullOrWhiteSpace(spec.Spec.Description)) tags[TrackingTags.Note] = spec.Spec.Description;
        return tags;
    }

    /// <summary>A history line as training wrote it, logged with its own timestamp: live and replayed points are the same.</summary>
    public void Log(HistoryEntry entry) =>
        tracker?.LogMetrics(entry.Metrics(), entry.Step, DateTimeOffset.FromUnixTimeMilliseconds(entry.TimestampMs));

    /// <summary>After the train stage: its whole history (what the journal holds already is dropped), then best_validation/*.</summary>
    public void Trained(StageOutput train, IReadOnlyList<HistoryEntry> history)
    {
        foreach (var entry in history) Log(entry);
        var summary = train.Manifest.Summary;
        // Timed as the evaluation they come from, so every target (and the LoggedModel's copy) gets the same points.
        var bestStep = (int)summary["best_step"]!;
        var bestTime = history.OfType<EvaluationEntry>().LastOrDefault(e => e.Step == bestStep)?.TimestampMs ?? train.Manifest.CreatedUtc.ToUnixTimeMilliseconds();
        var best = Metrics("best_validation", summary["validation"]!.AsObject()).ToArray();
        tracker?.LogMetrics(best, bestStep, DateTimeOffset.FromUnixTimeMilliseconds(bestTime));
        trained = train;
        bestMetrics = best.Select(m => new Metric(m.Key, m.Value, bestTime, bestStep)).ToList();
    }

    /// <summary>After the evaluate stage: test/*, timed as the evaluate stage that computed them (a replay at another target gets the same points).</summary>
    public void Evaluated(StageOutput evaluate, int step) =>
        tracker?.LogMetrics(Metrics("test", evaluate.Manifest.Summary["test"]!.AsObject()).ToArray(), step, evaluate.Manifest.CreatedUtc);

    /// <summary>
    /// Logs the run folder's files, the model as a LoggedModel (its weights stored once, in the model's own artifact location, as
    /// MLflow 3's log_model stores them: no copy under the run's artifacts, the run lists the model among its outputs) and ends
    /// the run as FINISHED.
    /// </summary>
    public async Task<TrackingSummary?> FinishAsync(RunFolder folder, string runName)
    {
        ended = true;
        if (tracker is null) return null;
        foreach (var file in folder.ArtifactFiles()) tracker.LogArtifact(file);
        if (spec.Spec.Tracking.LogModel && trained is not null && Directory.Exists(folder.ModelFolder))
            tracker.LogModel(RunModel.Prepare(folder.Path, runName, spec, trained, bestMetrics,
                datasets.FirstOrDefault(d => d.Context == "validation")));
        return await tracker.EndAsync(RunStatus.Finished);
    }

    /// <summary>Ends the run as KILLED (Ctrl-C) or FAILED (with the error in a tag).</summary>
    public async Task FailAsync(Exception error)
    {
        ended = true;
        if (tracker is not null)
            await tracker.EndAsync(error is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, error is OperationCanceledException ? null : error);
    }

    public async ValueTask DisposeAsync()
    {
        if (tracker is null) return;
        if (!ended) await tracker.EndAsync(RunStatus.Killed);
        await tracker.DisposeAsync();
    }

    /// <summary>
    /// Flattens a metrics object (from ClassificationMetrics.ToJson) to MLflow metrics: numbers, and the confusion counts as
    /// tn/fp/fn/tp; more than two classes log each class's figures and each confusion cell (<see cref="MulticlassMetricKeys"/>).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, double>> Metrics(string prefix, JsonObject metrics)
    {
        foreach (var (key, value) in metrics)
            if (key != "count" && value is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
                yield return KeyValuePair.Create($"{prefix}/{key}", ToDouble(number));
        if (metrics["confusion_matrix"] is JsonArray { Count: > 2 } cells)
        {
            var classes = metrics["per_class"]?.AsObject().ToList() ?? [];
            for (var i = 0; i < classes.Count; i++)
                foreach (var figure in MulticlassMetricKeys.ClassFigures)
                    if (classes[i].Value?[figure] is JsonValue value)
                        yield return KeyValuePair.Create($"{prefix}/{MulticlassMetricKeys.ClassSegment(i, classes[i].Key)}/{figure}", ToDouble(value));
            for (var actual = 0; actual < cells.Count; actual++)
                for (var predicted = 0; predicted < cells[actual]!.AsArray().Count; predicted++)
                    yield return KeyValuePair.Create($"{prefix}/{MulticlassMetricKeys.ConfusionName(actual, predicted)}", ToDouble(cells[actual]![predicted]!));
        }
        else if (metrics["confusion_matrix"] is JsonArray matrix)
        {
            yield return KeyValuePair.Create($"{prefix}/tn", ToDouble(matrix[0]![0]!));
            yield return KeyValuePair.Create($"{prefix}/fp", ToDouble(matrix[0]![1]!));
            yield return KeyValuePair.Create($"{prefix}/fn", ToDouble(matrix[1]![0]!));
            yield return KeyValuePair.Create($"{prefix}/tp", ToDouble(matrix[1]![1]!));
        }
    }

    /// <summary>A JSON number as a double, whichever .NET type it was built from (counts are longs).</summary>
    static double ToDouble(JsonNode number) => double.Parse(number.ToJsonString(), CultureInfo.InvariantCulture);
}
