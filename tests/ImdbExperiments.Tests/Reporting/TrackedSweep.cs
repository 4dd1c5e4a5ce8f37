using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Reporting;

/// <summary>
/// A sweep tracked the way the pipeline tracks one: a parent run, one child run per trial with the metrics training logs
/// (train/loss and train/learning_rate by step, validation/* per evaluation, test/* and confusion counts at the end), and
/// the parent's metrics set to the best trial's. Learning rate 3e-5 trains best; trial-004 fails after its first evaluation.
/// </summary>
internal static class TrackedSweep
{
    public const string Experiment = "imdb-lr-sweep";

    public const string SweepYaml = """
        model:
          name: bert-base-uncased
        sweep:
          parameters:
            training.learning_rate: [1e-5, 3e-5, 1e-4]
            training.batch_size: [16, 32]
          metric: validation/f1
        """;

    public static TrackingOptions Options(string trackingUri) => new()
    {
        TrackingUri = trackingUri,
        ExperimentName = Experiment,
        GetEnvironmentVariable = _ => null,
        Warn = message => throw new InvalidOperationException("Unexpected tracking warning: " + message),
        RetryCooldown = TimeSpan.FromMilliseconds(100),
        FinalFlushTimeout = TimeSpan.FromSeconds(20),
        Rest = new MlflowRestClientOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), AttemptTimeout = TimeSpan.FromSeconds(5) },
    };

    /// <summary>Tracks the sweep into <paramref name="trackingUri"/>; run folders go under <paramref name="workFolder"/>.</summary>
    public static async Task<SweepSummary> TrackAsync(string workFolder, string trackingUri)
    {
        Directory.CreateDirectory(workFolder);
        var specPath = Path.Combine(workFolder, "lr-sweep.yaml");
        File.WriteAllText(specPath, SweepYaml);
        var sweep = SpecLoader.Load(specPath, [], workFolder);
        var trials = SweepPlanner.Plan(sweep);
        var options = Options(trackingUri);

        await using var parent = RunTracker.Start(new RunStart(Path.Combine(workFolder, "runs", "sweep")) { RunName = "lr-sweep" }, options);
        var tracker = new SweepTracker(parent, sweep, options);
        tracker.LogSweep(trials);
        var runner = new SweepRunner(sweep.Spec.Sweep!);
        var summary = await runner.RunAsync(trials, async (trial, _) =>
        {
            await using var child = tracker.StartTrial(trial, Path.Combine(workFolder, "runs", trial.Name));
            var result = Train(child, trial);
            var ended = await child.EndAsync(result.Status == TrialStatus.Failed ? RunStatus.Failed : RunStatus.Finished);
            return result with { RunId = ended.RunId };
        });
        tracker.LogBest(summary);
        await parent.EndAsync();
        return summary;
    }

    private static TrialResult Train(RunTracker run, SweepTrial trial)
    {
        var lr = trial.Spec.Spec.Training.LearningRate;
        var batch = trial.Spec.Spec.Training.BatchSize;
        // Quality peaks at 3e-5 on a log scale; larger batches are slightly worse.
        var quality = 0.93 - 0.035 * Math.Pow(Math.Log10(lr / 3e-5), 2) * 8 - (batch == 32 ? 0.012 : 0);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        const int steps = 120;
        var evaluations = new List<double>();
        for (var step = 1; step <= steps; step++)
        {
            var progress = step / (double)steps;
            var loss = 0.69 * Math.Exp(-3 * progress * (quality - 0.5) * 2.2) + 0.05 * Math.Sin(step * 1.7 + trial.Index) * (1 - progress * 0.5) + 0.08;
            var schedule = step < 12 ? lr * step / 12 : lr * (steps - step) / (steps - 12.0);
            run.LogMetrics([new("train/loss", loss), new("train/learning_rate", schedule)], step, start.AddSeconds(step));
            if (step % 30 == 0)
            {
                var f1 = quality - 0.12 * Math.Exp(-3 * progress) + 0.004 * Math.Cos(step + trial.Index);
                evaluations.Add(f1);
                run.LogMetrics(
                [
                    new("validation/f1", f1),
                    new("validation/accuracy", f1 + 0.004),
                    new("validation/loss", 0.75 - f1 * 0.6),
                    new("validation/roc_auc", Math.Min(0.995, f1 + 0.05)),
                ], step, start.AddSeconds(step));
                if (trial.Index == 4)
                {
                    return new TrialResult { Status = TrialStatus.Failed, Error = "simulated out of memory", Evaluations = evaluations };
                }
            }
        }

        const int positives = 1250, negatives = 1250;
        var tp = (int)Math.Round(positives * (quality + 0.01));
        var tn = (int)Math.Round(negatives * (quality - 0.01));
        var metrics = new Dictionary<string, double>
        {
            ["validation/f1"] = evaluations[^1],
            ["validation/accuracy"] = evaluations[^1] + 0.004,
            ["test/accuracy"] = (tp + tn) / 2500.0,
            ["test/f1"] = 2.0 * tp / (2 * tp + (negatives - tn) + (positives - tp)),
            ["test/tn"] = tn,
            ["test/fp"] = negatives - tn,
            ["test/fn"] = positives - tp,
            ["test/tp"] = tp,
        };
        run.LogMetrics(metrics.Where(m => m.Key.StartsWith("test/", StringComparison.Ordinal)), steps, start.AddSeconds(steps + 5));
        return new TrialResult { Metrics = metrics, Evaluations = evaluations };
    }
}
