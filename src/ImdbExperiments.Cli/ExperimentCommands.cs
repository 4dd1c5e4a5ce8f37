using System.CommandLine;
using ImdbExperiments.Caching;
using ImdbExperiments.Stages;
using ImdbExperiments.Training;

namespace ImdbExperiments.Cli;

/// <summary>
/// <c>imdbx train|evaluate</c>: run the pipeline through training (and evaluation), recording the run in
/// artifacts/runs/&lt;run-name&gt;/ and in MLflow.
/// </summary>
static class ExperimentCommands
{
    public static Command Create(string stage, string description)
    {
        var command = new Command(stage, description)
        {
            CommonOptions.Experiment, CommonOptions.Set, CommonOptions.Force, CommonOptions.Json, CommonOptions.Artifacts,
        };
        command.SetAction((result, cancellationToken) => CliErrors.RunAsync(async () =>
        {
            var observer = new ForwardingObserver();
            var context = StageCommands.CreateContext(result) with { TrainingObserver = observer };
            var pipeline = new Pipeline(PipelineStages.Create(), context);

            var fetch = await pipeline.RunAsync("fetch", cancellationToken);
            var split = await pipeline.RunAsync("split", cancellationToken);
            await pipeline.RunAsync("model", cancellationToken);
            await pipeline.RunAsync("tokenize", cancellationToken);

            var training = context.Spec.Spec.Training;
            var threads = TrainingDevices.ApplyThreads(training.Threads);
            await using var recorder = RunRecorder.Start(context, split, fetch, TrainingDevices.Resolve(training.Device).ToString(), threads);
            observer.Target = recorder;
            StageOutput last;
            try
            {
                var train = last = await pipeline.RunAsync("train", cancellationToken);
                recorder.Trained(train);
                TrainStage.DeleteWork(context, train.Key);
                if (stage == "evaluate")
                {
                    last = await pipeline.RunAsync("evaluate", cancellationToken);
                    recorder.Evaluated(last, (int)train.Manifest.Summary["last_step"]!);
                }
            }
            catch (Exception e)
            {
                await recorder.FailAsync(e);
                throw;
            }
            var tracking = await recorder.FinishAsync();
            Console.WriteLine($"run       {Path.GetRelativePath(Directory.GetCurrentDirectory(), recorder.Folder)}" + (tracking is null ? "" :
                $"  tracking {tracking.TrackingUri} run {tracking.RunId ?? "(pending)"}" + (tracking.AllSent ? "" : $", {tracking.PendingEvents} events pending: run imdbx sync")));
            if (result.GetValue(CommonOptions.Json))
                Console.WriteLine(StageReport.Json(pipeline[last.Stage], last, pipeline.LastSeconds).ToJsonString());
            return 0;
        }));
        return command;
    }

    /// <summary>The recorder exists only once the run's inputs are known; training reports to it through this.</summary>
    sealed class ForwardingObserver : ITrainingObserver
    {
        public ITrainingObserver? Target { get; set; }
        public void Started(int totalSteps, int? resumedFromStep) => Target?.Started(totalSteps, resumedFromStep);
        public void Step(TrainingProgress progress) => Target?.Step(progress);
        public void Evaluation(EvaluationRecord evaluation) => Target?.Evaluation(evaluation);
    }
}
