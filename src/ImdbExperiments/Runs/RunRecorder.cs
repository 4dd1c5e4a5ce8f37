using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>
/// Records one run as it happens, by job: the run folder's files (<see cref="RunFolder"/>), its MLflow run
/// (<see cref="RunTracking"/>: journal first, so a tracking server that is down loses nothing; <c>imdbx sync</c> replays
/// it) and the training progress bar. Training reports here; this passes each report to the jobs that need it.
/// </summary>
public sealed class RunRecorder : ITrainingObserver, IAsyncDisposable
{
    readonly PipelineContext context;
    readonly RunFolder folder;
    readonly RunTracking tracking;
    readonly TrainingProgressBar progress;

    RunRecorder(PipelineContext context, RunFolder folder, RunTracking tracking)
    {
        this.context = context;
        this.folder = folder;
        this.tracking = tracking;
        progress = new TrainingProgressBar(context.Progress);
    }

    public string Folder => folder.Path;

    public static string RunName(ResolvedSpec spec) => spec.Spec.Tracking.RunName ?? $"{spec.Spec.Name}-{spec.Hash[..8]}";

    /// <summary>Opens the run folder (resuming its tracking run if it has one) and records what is known before training.</summary>
    /// <param name="openTracker">opens the MLflow run for the run folder (a sweep's child run); null = a run of its own</param>
    public static RunRecorder Start(PipelineContext context, StageOutput split, StageOutput fetch, string device, int threads,
        Func<string, RunTracker>? openTracker = null)
    {
        var spec = context.Spec;
        var folder = RunFolder.Create(context.ArtifactsDirectory, spec, RunName(spec));
        var environment = RunEnvironment.Capture(Directory.GetCurrentDirectory(), device, threads);
        environment["spec_hash"] = spec.Hash;
        environment["data_hash"] = (string?)split.Manifest.Summary["reviews_sha256"];
        environment["archive_sha256"] = (string?)fetch.Manifest.Summary["sha256"];
        environment["split_hash"] = (string?)split.Manifest.Summary["split_hash"];
        folder.WriteEnvironment(environment);
        return new RunRecorder(context, folder, RunTracking.Start(context, folder.Path, RunName(spec), environment, split, fetch, openTracker));
    }

    public void Started(int totalSteps, int? resumedFromStep) => progress.Started(totalSteps);

    public void Step(TrainingProgress progress) => this.progress.Step(progress);

    public void Evaluation(EvaluationRecord evaluation)
    {
    }

    /// <summary>A history line as training wrote it: logged now with its own timestamp, exactly as a replay would log it.</summary>
    public void Logged(HistoryEntry entry) => tracking.Log(entry);

    /// <summary>After the train stage: its outputs into the run folder, its curves (all of them on a cache hit) and best metrics to MLflow.</summary>
    public void Trained(StageOutput train)
    {
        progress.Dispose();
        var history = TrainingHistory.Read(train.PathOf(TrainingHistory.FileName));
        folder.WriteTrained(train, history);
        var summary = train.Manifest.Summary;
        folder.MergeMetrics(new JsonObject { ["validation"] = summary["validation"]?.DeepClone(), ["best_step"] = summary["best_step"]?.DeepClone() });
        tracking.Trained(train, history);
    }

    /// <summary>After the evaluate stage: test metrics, predictions.</summary>
    public void Evaluated(StageOutput evaluate, int step)
    {
        folder.WriteEvaluated(evaluate);
        folder.MergeMetrics(new JsonObject { ["test"] = evaluate.Manifest.Summary["test"]?.DeepClone() });
        tracking.Evaluated(evaluate, step);
    }

    /// <summary>Logs the run folder's files as artifacts and ends the run as FINISHED.</summary>
    public Task<TrackingSummary?> FinishAsync() => tracking.FinishAsync(folder, RunName(context.Spec));

    /// <summary>Ends the run as KILLED (Ctrl-C) or FAILED (with the error in a tag).</summary>
    public Task FailAsync(Exception error)
    {
        progress.Dispose();
        return tracking.FailAsync(error);
    }

    public async ValueTask DisposeAsync()
    {
        progress.Dispose();
        await tracking.DisposeAsync();
    }
}
