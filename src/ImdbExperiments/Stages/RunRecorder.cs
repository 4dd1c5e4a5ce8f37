using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Modeling;
using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Stages;

/// <summary>
/// The run folder <c>artifacts/runs/&lt;run-name&gt;/</c> and its MLflow run: the resolved spec, environment, training
/// curves, metrics, predictions and exported model, logged as they happen (every event goes to the run's journal
/// first, so a tracking server that is down loses nothing; <c>imdbx sync</c> replays it).
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
    readonly int logEvery;
    IProgressTask? bar;
    IReadOnlyList<DatasetInput> datasets = [];
    StageOutput? trained;
    IReadOnlyList<Metric> bestMetrics = [];
    bool loggedLive;
    bool ended;

    RunRecorder(PipelineContext context, string folder, RunTracker? tracker)
    {
        this.context = context;
        Folder = folder;
        this.tracker = tracker;
        logEvery = context.Spec.Spec.Training.LogEvery;
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
            var tags = new Dictionary<string, string>(TrackingTags.System(spec.SourcePath, (string?)environment["git_commit"]));
            foreach (var (key, value) in spec.Spec.Tracking.Tags) tags[key] = value;
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

    /// <summary>Where and how the spec's runs are tracked: tracking.uri (else MLFLOW_TRACKING_URI, else file:./mlruns), tracking.experiment (else the spec name).</summary>
    public static TrackingOptions TrackingOptions(PipelineContext context) => new()
    {
        TrackingUri = context.Spec.Spec.Tracking.Uri,
        ExperimentName = context.Spec.Spec.Tracking.Experiment ?? context.Spec.Spec.Name,
        BaseDirectory = Directory.GetCurrentDirectory(),
        GetEnvironmentVariable = context.Environment,
        Warn = message => context.Log.WriteLine($"tracking  warning: {message}"),
        FinalFlushTimeout = context.TrackingFlushTimeout,
        RunFolderLock = context.Locks,
        OnRunFolderWait = message => context.Log.WriteLine($"run       waiting   {message}"),
    };

    public void Started(int totalSteps, int? resumedFromStep) =>
        bar = context.Progress.Start("train", totalSteps, "steps");

    public void Step(TrainingProgress progress)
    {
        bar?.Report(progress.Step, progress.TotalSteps, string.Create(CultureInfo.InvariantCulture,
            $"train step {progress.Step}/{progress.TotalSteps} · epoch {progress.Epoch:0.00} · loss {progress.Loss:0.0000} · lr {progress.LearningRate:0.00e+0} · {progress.ExamplesPerSecond:0.0} ex/s"));
        if (progress.Step % logEvery != 0 && progress.Step != progress.TotalSteps) return;
        loggedLive = true;
        tracker?.LogMetrics([
            new("train/loss", progress.Loss),
            new("train/learning_rate", progress.LearningRate),
            new("train/examples_per_second", progress.ExamplesPerSecond),
        ], progress.Step);
    }

    public void Evaluation(EvaluationRecord evaluation)
    {
        loggedLive = true;
        tracker?.LogMetrics(Metrics("validation", evaluation.Metrics.ToJson()).ToArray(), evaluation.Step);
    }

    /// <summary>After the train stage: copies its outputs into the run folder; replays its curves when it was a cache hit.</summary>
    public void Trained(StageOutput train)
    {
        bar?.Dispose();
        bar = null;
        File.Copy(train.PathOf(TrainingHistory.FileName), Path.Combine(Folder, TrainingHistory.FileName), overwrite: true);
        ReplaceDirectory(train.PathOf(TrainStage.ModelFolder), Path.Combine(Folder, TrainStage.ModelFolder));
        if (!loggedLive) ReplayHistory(train.PathOf(TrainingHistory.FileName));
        WriteLossCurve(train.PathOf(TrainingHistory.FileName));
        var summary = train.Manifest.Summary;
        WriteMetrics(new JsonObject { ["validation"] = summary["validation"]?.DeepClone(), ["best_step"] = summary["best_step"]?.DeepClone() });
        // One timestamp for the run's points and the LoggedModel's copy of them, so a store keeps them as one point.
        var time = DateTimeOffset.UtcNow;
        var best = Metrics("best_validation", summary["validation"]!.AsObject()).ToArray();
        tracker?.LogMetrics(best, (int)summary["best_step"]!, time);
        trained = train;
        bestMetrics = best.Select(m => new Metric(m.Key, m.Value, time.ToUnixTimeMilliseconds(), (int)summary["best_step"]!)).ToList();
    }

    /// <summary>After the evaluate stage: test metrics, predictions.</summary>
    public void Evaluated(StageOutput evaluate, int step)
    {
        File.Copy(evaluate.PathOf(EvaluationResult.PredictionsFileName), Path.Combine(Folder, EvaluationResult.PredictionsFileName), overwrite: true);
        WriteMetrics(new JsonObject { ["test"] = evaluate.Manifest.Summary["test"]?.DeepClone() });
        if (evaluate.Manifest.Summary["test"]?["confusion_matrix"] is JsonArray matrix)
            File.WriteAllBytes(Path.Combine(Folder, ConfusionMatrixFileName), RunCharts.ConfusionMatrix(
                (long)matrix[0]![0]!, (long)matrix[0]![1]!, (long)matrix[1]![0]!, (long)matrix[1]![1]!, HfModelFolder.DefaultLabels));
        tracker?.LogMetrics(Metrics("test", evaluate.Manifest.Summary["test"]!.AsObject()).ToArray(), step);
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
            tracker.LogArtifact(Path.Combine(Folder, TrainStage.ModelFolder), TrainStage.ModelFolder);
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

    void WriteLossCurve(string historyPath)
    {
        var points = File.ReadLines(historyPath)
            .Select(line => JsonNode.Parse(line) as JsonObject)
            .Where(entry => entry?["loss"] is JsonValue loss && loss.GetValueKind() == JsonValueKind.Number)
            .Select(entry => ((long)entry!["step"]!, ToDouble(entry["loss"]!)))
            .ToArray();
        if (points.Length > 0) File.WriteAllBytes(Path.Combine(Folder, LossCurveFileName), RunCharts.LossCurve(points, Path.GetFileName(Folder)));
    }

    void ReplayHistory(string historyPath)
    {
        if (tracker is null) return;
        foreach (var line in File.ReadLines(historyPath))
        {
            if (JsonNode.Parse(line) is not JsonObject entry) continue;
            var step = (int)entry["step"]!;
            if (entry.ContainsKey("eval_accuracy"))
            {
                tracker.LogMetrics(entry.Where(p => p.Key.StartsWith("eval_", StringComparison.Ordinal) && p.Value is JsonValue)
                    .Where(p => p.Key is not ("eval_seconds" or "eval_count") && p.Value!.GetValueKind() == JsonValueKind.Number)
                    .Select(p => KeyValuePair.Create("validation/" + p.Key["eval_".Length..], ToDouble(p.Value!))).ToArray(), step);
            }
            else
            {
                tracker.LogMetrics(new[] { "loss", "learning_rate", "examples_per_second" }
                    .Where(k => entry[k] is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
                    .Select(k => KeyValuePair.Create("train/" + k, ToDouble(entry[k]!))).ToArray(), step);
            }
        }
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
