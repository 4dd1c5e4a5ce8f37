using System.Globalization;
using ImdbExperiments.Stages;
using ImdbExperiments.Training;

namespace ImdbExperiments.Runs;

/// <summary>The train stage's progress bar: steps, epoch, loss, learning rate and throughput, as training reports them.</summary>
sealed class TrainingProgressBar(IProgressDisplay display) : IDisposable
{
    IProgressTask? bar;

    public void Started(int totalSteps) => bar = display.Start("train", totalSteps, "steps");

    public void Step(TrainingProgress progress) =>
        bar?.Report(progress.Step, progress.TotalSteps, string.Create(CultureInfo.InvariantCulture,
            $"train step {progress.Step}/{progress.TotalSteps} · epoch {progress.Epoch:0.00} · loss {progress.Loss:0.0000} · lr {progress.LearningRate:0.00e+0} · {progress.ExamplesPerSecond:0.0} ex/s"));

    public void Dispose()
    {
        bar?.Dispose();
        bar = null;
    }
}
