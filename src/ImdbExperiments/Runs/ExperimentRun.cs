using ImdbExperiments.Caching;
using ImdbExperiments.Stages;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>
/// One experiment run end to end: every stage through the cache up to train (and evaluate), recorded in
/// artifacts/runs/&lt;run-name&gt;/ and in MLflow as it goes; FAILED or KILLED when it does not finish.
/// </summary>
public static class ExperimentRun
{
    public sealed record Result(string RunFolder, StageOutput Train, StageOutput? Evaluate, TrackingSummary? Tracking, Pipeline Pipeline);

    /// <param name="context">its TrainingObserver, if any, is told about training as well</param>
    /// <param name="openTracker">opens the run's MLflow run for its folder (a sweep trial's child run); null = a run of its own</param>
    public static async Task<Result> RunAsync(PipelineContext context, bool evaluate, CancellationToken cancellationToken,
        Func<string, RunTracker>? openTracker = null, ITrainingObserver? observer = null)
    {
        var forward = new ForwardingObserver(observer);
        context = context with { TrainingObserver = forward };
        var pipeline = new Pipeline(PipelineStages.Create(), context);

        var fetch = await pipeline.RunAsync("fetch", cancellationToken);
        var split = await pipeline.RunAsync("split", cancellationToken);
        await pipeline.RunAsync("model", cancellationToken);
        await pipeline.RunAsync("tokenize", cancellationToken);

        var training = context.Spec.Spec.Training;
        var threads = TrainingDevices.ApplyThreads(training.Threads);
        await using var recorder = RunRecorder.Start(context, split, fetch, TrainingDevices.Resolve(training.Device).ToString(), threads, openTracker);
        forward.Recorder = recorder;
        StageOutput train;
        StageOutput? evaluated = null;
        try
        {
            train = await pipeline.RunAsync("train", cancellationToken);
            recorder.Trained(train);
            TrainStage.DeleteWork(context, train.Key);
            if (evaluate)
            {
                evaluated = await pipeline.RunAsync("evaluate", cancellationToken);
                recorder.Evaluated(evaluated, (int)train.Manifest.Summary["last_step"]!);
            }
        }
        catch (Exception e)
        {
            await recorder.FailAsync(e);
            throw;
        }
        var tracking = await recorder.FinishAsync();
        if (tracking is { AllSent: true })
            await SyncEarlierRunsAsync(context, recorder.Folder, cancellationToken);
        return new Result(recorder.Folder, train, evaluated, tracking, pipeline);
    }

    /// <summary>
    /// The tracking server took this run: send what earlier runs' journals of the same target still hold (what
    /// <c>imdbx sync</c> does), bounded in time; journals of other targets are left for Sync.
    /// </summary>
    static async Task SyncEarlierRunsAsync(PipelineContext context, string currentRun, CancellationToken cancellationToken)
    {
        var runs = Path.Combine(context.ArtifactsDirectory, "runs");
        foreach (var result in await TrackingSync.CatchUpAsync(runs, currentRun, RunTracking.TrackingOptions(context), cancellationToken))
            context.Log.WriteLine($"sync      {Path.GetFileName(result.RunFolder)}: {result.Outcome.ToString().ToLowerInvariant()}, sent {result.SentEvents}, pending {result.PendingEvents}");
    }

    /// <summary>The recorder exists only once the run's inputs are known; training reports to it (and to the caller's observer) through this.</summary>
    sealed class ForwardingObserver(ITrainingObserver? other) : ITrainingObserver
    {
        public ITrainingObserver? Recorder { get; set; }

        public void Started(int totalSteps, int? resumedFromStep)
        {
            Recorder?.Started(totalSteps, resumedFromStep);
            other?.Started(totalSteps, resumedFromStep);
        }

        public void Step(TrainingProgress progress)
        {
            Recorder?.Step(progress);
            other?.Step(progress);
        }

        public void Evaluation(EvaluationRecord evaluation)
        {
            Recorder?.Evaluation(evaluation);
            other?.Evaluation(evaluation);
        }

        public void Logged(HistoryEntry entry)
        {
            Recorder?.Logged(entry);
            other?.Logged(entry);
        }
    }
}
