using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>
/// The run folder <c>artifacts/runs/&lt;run-name&gt;/</c> and its MLflow run: the resolved spec, environment, training
/// curves, metrics, predictions and exported model, logged as they happen (every event goes to the run's journal
/// first, so a tracking server that is down loses nothing; <c>imdbx sync</c> replays it).
/// The curves are history.jsonl's entries, logged live as training writes them and replayed from the train stage's
/// history after it (a cache hit replays all of them); the tracker drops what its journal already holds, so each
/// point reaches each tracking target once, with the value and timestamp history.jsonl gives it.
/// </summary>
public sealed class RunRecorder : ITrainingObserver, IAsyncDisposable
{
    public const string SpecFileName = "spec.yaml";
    public const string MetricsFileName = "metrics.json";
    public const string EnvironmentFileName = "environment.json";
    public const string LossCurveFileName = "loss_curve.png";
    public const string ConfusionMatrixFileName = "confusion_matrix.png";

    readonly PipelineContext context;
    readonly RunTracker? tracker;
    IProgressTask? bar;
    IReadOnlyList<DatasetInput> datasets = [];
    StageOutput? trained;
    IReadOnlyList<Metric> bestMetrics = [];
    bool ended;

    RunRecorder(PipelineContext context, string folder, RunTracker? tracker)
    {
        this.context = context;
        Folder = folder;
        this.tracker = tracker;
    }

    public string Folder { get; }

    public static string RunName(ResolvedSpec spec) => spec.Spec.Tracking.RunName ?? $"{spec.Spec.Name}-{spec.Hash[..8]}";

    /// <summary>Opens the run folder (resuming its tracking run if it has one) and logs what is known before training.</summary>
    /// <param name="openTracker">opens the MLflow run for the run folder (a sweep's child run); null = a run of its own</param>
    public static RunRecorder Start(PipelineContext context, StageOutput split, StageOutput fetch, string device, int threads,
        Func<string, RunTracker>? openTracker = null)
    {
        var spec = context.Spec;
        var folder = Path.Combine(context.ArtifactsDirectory, "runs", RunName(spec));
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, SpecFileName), spec.ToYaml(folder));
        var environment = RunEnvironment.Capture(Directory.GetCurrentDirectory(), device, threads);
        environment["spec_hash"] = spec.Hash;
        environment["data_hash"] = (string?)split.Manifest.Summary["reviews_sha256"];
        environment["archive_sha256"] = (string?)fetch.Manifest.Summary["sha256"];
        environment["split_hash"] = (string?)split.Manifest.Summary["split_hash"];
        File.WriteAllText(Path.Combine(folder, EnvironmentFileName), environment.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        RunTracker? tracker = null;
        IReadOnlyList<DatasetInput> datasets = [];
        if (spec.Spec.Tracking.Enabled)
        {
            var tags = RunTags(spec, (string?)environment["git_commit"]);
            foreach (var (key, value) in environment) tags["imdbx." + key] = value?.ToString() ?? "";
            if (openTracker is null)
            {
                tracker = RunTracker.StartOrResume(new RunStart(folder) { RunName = RunName(spec), Tags = tags }, TrackingOptions(context));
            }
            else
            {
                tracker = openTracker(folder);
                tracker.SetTags(tags.Where(t => t.Key != TrackingTags.RunName));
            }
            tracker.LogParams(spec.Flatten());
            datasets = RunDatasets.From(split, fetch);
            foreach (var dataset in datasets)
                tracker.LogInput(dataset);
        }
        return new RunRecorder(context, folder, tracker) { datasets = datasets };
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

    /// <summary>The tags every run of the spec carries: mlflow.user, mlflow.source.name/type, the git commit, the description as mlflow.note.content, the spec's tracking.tags.</summary>
    public static Dictionary<string, string> RunTags(ResolvedSpec spec, string? gitCommit)
    {
        var tags = new Dictionary<string, string>(TrackingTags.System(spec.SourcePath, gitCommit), StringComparer.Ordinal);
        foreach (var (key, value) in spec.Spec.Tracking.Tags) tags[key] = value;
        // MLflow shows a run's description from this tag, not from a param.
        if (!string.IsNullOrWhiteSpace(spec.Spec.Description)) tags[TrackingTags.Note] = spec.Spec.Description;
        return tags;
    }

    /// <summary>The spec's part of the tracking options, for commands without a pipeline (sync, compare, report).</summary>
    public static TrackingOptions TrackingOptions(ResolvedSpec spec) => new()
    {
        TrackingUri = spec.Spec.Tracking.Uri,
        ExperimentName = spec.Spec.Tracking.Experiment,
        DefaultExperimentName = spec.Spec.Name,
        BaseDirectory = Directory.GetCurrentDirectory(),
    };

    public void Started(int totalSteps, int? resumedFromStep) =>
        bar = context.Progress.Start("train", totalSteps, "steps");

    public void Step(TrainingProgress progress)
    {
        bar?.Report(progress.Step, progress.TotalSteps, string.Create(CultureInfo.InvariantCulture,
            $"train step {progress.Step}/{progress.TotalSteps} · epoch {progress.Epoch:0.00} · loss {progress.Loss:0.0000} · lr {progress.LearningRate:0.00e+0} · {progress.ExamplesPerSecond:0.0} ex/s"));
    }

    public void Evaluation(EvaluationRecord evaluation)
    {
    }

    /// <summary>A history line as training wrote it: logged now with its own timestamp, exactly as a replay would log it.</summary>
    public void Logged(HistoryEntry entry) => Log(entry);

    /// <summary>After the train stage: copies its outputs into the run folder; replays its curves when it was a cache hit.</summary>
    public void Trained(StageOutput train)
    {
        bar?.Dispose();
        bar = null;
        File.Copy(train.PathOf(TrainingHistory.FileName), Path.Combine(Folder, TrainingHistory.FileName), overwrite: true);
        ReplaceDirectory(train.PathOf(TrainStage.ModelFolder), Path.Combine(Folder, TrainStage.ModelFolder));
        var history = TrainingHistory.Read(train.PathOf(TrainingHistory.FileName));
        // Points already journaled for this target (logged live, or by an earlier run) are dropped by the tracker.
        foreach (var entry in history) Log(entry);
        WriteLossCurve(history);
        var summary = train.Manifest.Summary;
        WriteMetrics(new JsonObject { ["validation"] = summary["validation"]?.DeepClone(), ["best_step"] = summary["best_step"]?.DeepClone() });
        // Timed as the evaluation they come from, so every target (and the LoggedModel's copy) gets the same points.
        var bestStep = (int)summary["best_step"]!;
        var bestTime = history.OfType<EvaluationEntry>().LastOrDefault(e => e.Step == bestStep)?.TimestampMs ?? train.Manifest.CreatedUtc.ToUnixTimeMilliseconds();
        var best = Metrics("best_validation", summary["validation"]!.AsObject()).ToArray();
        tracker?.LogMetrics(best, bestStep, DateTimeOffset.FromUnixTimeMilliseconds(bestTime));
        trained = train;
        bestMetrics = best.Select(m => new Metric(m.Key, m.Value, bestTime, bestStep)).ToList();
    }

    /// <summary>After the evaluate stage: test metrics, predictions.</summary>
    public void Evaluated(StageOutput evaluate, int step)
    {
        File.Copy(evaluate.PathOf(EvaluationResult.PredictionsFileName), Path.Combine(Folder, EvaluationResult.PredictionsFileName), overwrite: true);
        WriteMetrics(new JsonObject { ["test"] = evaluate.Manifest.Summary["test"]?.DeepClone() });
        if (evaluate.Manifest.Summary["test"]?["confusion_matrix"] is JsonArray matrix)
            File.WriteAllBytes(Path.Combine(Folder, ConfusionMatrixFileName), RunCharts.ConfusionMatrix(
                (long)matrix[0]![0]!, (long)matrix[0]![1]!, (long)matrix[1]![0]!, (long)matrix[1]![1]!, HfModelFolder.DefaultLabels));
        // Timed as the evaluate stage that computed them: a replay at another target gets the same points.
        tracker?.LogMetrics(Metrics("test", evaluate.Manifest.Summary["test"]!.AsObject()).ToArray(), step, evaluate.Manifest.CreatedUtc);
    }

    /// <summary>Logs the run folder's files as artifacts and ends the run as FINISHED.</summary>
    public async Task<TrackingSummary?> FinishAsync()
    {
        ended = true;
        if (tracker is null) return null;
        foreach (var file in new[] { SpecFileName, MetricsFileName, EnvironmentFileName, TrainingHistory.FileName, EvaluationResult.PredictionsFileName, LossCurveFileName, ConfusionMatrixFileName })
            if (File.Exists(Path.Combine(Folder, file))) tracker.LogArtifact(Path.Combine(Folder, file));
        if (context.Spec.Spec.Tracking.LogModel && Directory.Exists(Path.Combine(Folder, TrainStage.ModelFolder)))
        {
            tracker.LogArtifact(Path.Combine(Folder, TrainStage.ModelFolder), TrainStage.ModelFolder, trained?.Key);
            if (trained is not null)
                tracker.LogModel(RunModel.Prepare(Folder, RunName(context.Spec), context.Spec, trained, bestMetrics,
                    datasets.FirstOrDefault(d => d.Context == "validation")));
        }
        return await tracker.EndAsync(RunStatus.Finished);
    }

    /// <summary>Ends the run as KILLED (Ctrl-C) or FAILED (with the error in a tag).</summary>
    public async Task FailAsync(Exception error)
    {
        ended = true;
        bar?.Dispose();
        bar = null;
        if (tracker is not null)
            await tracker.EndAsync(error is OperationCanceledException ? RunStatus.Killed : RunStatus.Failed, error is OperationCanceledException ? null : error);
    }

    public async ValueTask DisposeAsync()
    {
        bar?.Dispose();
        if (tracker is not null)
        {
            if (!ended) await tracker.EndAsync(RunStatus.Killed);
            await tracker.DisposeAsync();
        }
    }

    void Log(HistoryEntry entry) =>
        tracker?.LogMetrics(entry.Metrics(), entry.Step, DateTimeOffset.FromUnixTimeMilliseconds(entry.TimestampMs));

    void WriteLossCurve(IReadOnlyList<HistoryEntry> history)
    {
        var points = history.OfType<TrainStepEntry>().Where(entry => !double.IsNaN(entry.Loss))
            .Select(entry => ((long)entry.Step, entry.Loss)).ToArray();
        if (points.Length > 0) File.WriteAllBytes(Path.Combine(Folder, LossCurveFileName), RunCharts.LossCurve(points, Path.GetFileName(Folder)));
    }

    /// <summary>Flattens a metrics object (from ClassificationMetrics.ToJson) to MLflow metrics: numbers, and the confusion counts as tn/fp/fn/tp.</summary>
    public static IEnumerable<KeyValuePair<string, double>> Metrics(string prefix, JsonObject metrics)
    {
        foreach (var (key, value) in metrics)
            if (key != "count" && value is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
                yield return KeyValuePair.Create($"{prefix}/{key}", ToDouble(number));
        if (metrics["confusion_matrix"] is JsonArray matrix)
        {
            yield return KeyValuePair.Create($"{prefix}/tn", ToDouble(matrix[0]![0]!));
            yield return KeyValuePair.Create($"{prefix}/fp", ToDouble(matrix[0]![1]!));
            yield return KeyValuePair.Create($"{prefix}/fn", ToDouble(matrix[1]![0]!));
            yield return KeyValuePair.Create($"{prefix}/tp", ToDouble(matrix[1]![1]!));
        }
    }

    /// <summary>A JSON number as a double, whichever .NET type it was built from (counts are longs).</summary>
    static double ToDouble(JsonNode number) => double.Parse(number.ToJsonString(), CultureInfo.InvariantCulture);

    /// <summary>Merges <paramref name="values"/> into metrics.json, written atomically.</summary>
    void WriteMetrics(JsonObject values)
    {
        var path = Path.Combine(Folder, MetricsFileName);
        var metrics = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : new JsonObject();
        foreach (var (key, value) in values) metrics[key] = value?.DeepClone();
        var temp = path + ".tmp";
        File.WriteAllText(temp, metrics.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    static void ReplaceDirectory(string source, string destination)
    {
        var temp = destination + ".tmp-" + Guid.NewGuid().ToString("N");
        TrainStage.CopyDirectory(source, temp);
        if (Directory.Exists(destination)) Directory.Delete(destination, recursive: true);
        Directory.Move(temp, destination);
    }
}
