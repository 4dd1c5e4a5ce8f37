using ImdbExperiments.Tests.Support;
using ImdbExperiments.Stages;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Stages;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class TrainStageTests
{
    const string Spec = """
        name: tiny-train
        seed: 11
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 500
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 128
            vocab_size_limit: 1000
        tokenizer:
          max_length: 64
        training:
          epochs: 3
          batch_size: 16
          learning_rate: 3.0e-3
          warmup_ratio: 0.1
          checkpoint_every: 20
          log_every: 2
          threads: 1
        """;

    [Fact]
    public void Evaluate_IsDeterministic_SameMetricsAndPredictionsFromAFreshCache()
    {
        using var first = new PipelineFixture();
        using var second = new PipelineFixture();

        var a = first.Run("evaluate", first.WriteSpec(Spec)).Output;
        var b = second.Run("evaluate", second.WriteSpec(Spec)).Output;

        Assert.Equal(a.Key, b.Key);
        Assert.Equal(File.ReadAllBytes(a.PathOf(EvaluationResult.MetricsFileName)), File.ReadAllBytes(b.PathOf(EvaluationResult.MetricsFileName)));
        Assert.Equal(File.ReadAllBytes(a.PathOf(EvaluationResult.PredictionsFileName)), File.ReadAllBytes(b.PathOf(EvaluationResult.PredictionsFileName)));
        Assert.True((double)a.Manifest.Summary["test"]!["accuracy"]! > 0.6, "the tiny model should beat chance on the synthetic reviews");
    }

    [Fact]
    public void Train_InterruptedAndStartedAgain_EndsWithTheUninterruptedMetrics()
    {
        using var uninterrupted = new PipelineFixture();
        var expected = uninterrupted.Run("train", uninterrupted.WriteSpec(Spec)).Output;

        using var interrupted = new PipelineFixture();
        var spec = interrupted.WriteSpec(Spec);
        using var stop = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => interrupted.Run("train", spec, new StopAtStep(12, stop), stop.Token));
        Assert.Empty(interrupted.Published("train"));
        Assert.True(Directory.Exists(TrainWork(interrupted)), "checkpoints stay in artifacts/work until the stage is published");

        var observer = new StopAtStep(int.MaxValue, null);
        var (resumed, log) = interrupted.Run("train", spec, observer, CancellationToken.None);

        Assert.Contains("resumed from checkpoint at step", log);
        Assert.True(observer.FirstStep > 1, $"training should resume after the checkpoint, not at step {observer.FirstStep}");
        Assert.Equal(expected.Key, resumed.Key);
        Assert.Equal(expected.Manifest.Summary["validation"]!.ToJsonString(), resumed.Manifest.Summary["validation"]!.ToJsonString());
        Assert.Equal(File.ReadAllBytes(expected.PathOf("model/model.safetensors")), File.ReadAllBytes(resumed.PathOf("model/model.safetensors")));
    }

    static string TrainWork(PipelineFixture fixture) => Path.Combine(fixture.Artifacts, "work", "train");

    /// <summary>Cancels training once it reaches a step, as Ctrl-C would; records the first step it sees.</summary>
    sealed class StopAtStep(int step, CancellationTokenSource? stop) : ITrainingObserver
    {
        public int FirstStep { get; private set; }
        public void Started(int totalSteps, int? resumedFromStep) { }
        public void Step(TrainingProgress progress)
        {
            if (FirstStep == 0) FirstStep = progress.Step;
            if (progress.Step == step) stop?.Cancel();
        }
        public void Evaluation(EvaluationRecord evaluation) { }
    }
}
