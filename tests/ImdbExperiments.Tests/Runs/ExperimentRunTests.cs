using ImdbExperiments.Caching;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Runs;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class ExperimentRunTests
{
    const string Spec = """
        name: recorded
        seed: 5
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 150
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 500
        tokenizer:
          max_length: 48
        training:
          epochs: 1
          batch_size: 32
          log_every: 2
          threads: 1
        tracking:
          uri: file:./mlruns
          tags:
            team: nlp
        """;

    static PipelineContext Context(TempFolder project)
    {
        File.WriteAllText(project.Combine("recorded.yaml"), Spec);
        var artifacts = project.Combine("artifacts");
        return new PipelineContext
        {
            Spec = SpecLoader.Load(project.Combine("recorded.yaml"), [], project.Path),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
        };
    }

    [Fact]
    public async Task Evaluate_WritesTheRunFolder_AndAFinishedMlflowRunWithParamsMetricsTagsAndArtifacts()
    {
        using var project = new TempFolder();
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(project.Path);  // file:./mlruns is relative to where the command runs
        try
        {
            var run = await ExperimentRun.RunAsync(Context(project), evaluate: true, CancellationToken.None);

            foreach (var file in new[] { "spec.yaml", "environment.json", "metrics.json", "history.jsonl", "predictions.csv", "loss_curve.png", "confusion_matrix.png", "model/model.safetensors" })
                Assert.True(File.Exists(Path.Combine(run.RunFolder, file)), file);
            Assert.Contains("\"test\"", File.ReadAllText(Path.Combine(run.RunFolder, "metrics.json")));
            Assert.True(run.Tracking!.AllSent);

            var runFolder = Directory.GetDirectories(project.Combine("mlruns"), run.Tracking.RunId!, SearchOption.AllDirectories).Single();
            Assert.Contains("status: 3", File.ReadAllText(Path.Combine(runFolder, "meta.yaml")));
            Assert.Equal("5E-05", File.ReadAllText(Path.Combine(runFolder, "params", "training.learning_rate")));  // the default, as the resolved spec writes it
            Assert.Equal("nlp", File.ReadAllText(Path.Combine(runFolder, "tags", "team")));
            Assert.Equal(Context(project).Spec.Hash, File.ReadAllText(Path.Combine(runFolder, "tags", "imdbx.spec_hash")));
            Assert.NotEmpty(File.ReadAllLines(Path.Combine(runFolder, "metrics", "train", "loss")));
            Assert.True(File.Exists(Path.Combine(runFolder, "metrics", "validation", "f1")));
            Assert.True(File.Exists(Path.Combine(runFolder, "metrics", "test", "accuracy")));
            Assert.True(File.Exists(Path.Combine(runFolder, "artifacts", "predictions.csv")));
            Assert.True(File.Exists(Path.Combine(runFolder, "artifacts", "confusion_matrix.png")));
            // The model is the run's LoggedModel (its own artifact folder), not a second copy under the run's artifacts (MLflow 3's log_model).
            Assert.False(Directory.Exists(Path.Combine(runFolder, "artifacts", "model")));
            Assert.Single(Directory.GetFiles(project.Combine("mlruns"), "model.safetensors", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public async Task CancelledTraining_EndsTheRunAsKilled_AndKeepsItsCheckpoint()
    {
        using var project = new TempFolder();
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(project.Path);
        try
        {
            using var stop = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                ExperimentRun.RunAsync(Context(project) with { Spec = SpecLoader.Load(project.Combine("recorded.yaml"), ["training.checkpoint_every=2"], project.Path) },
                    evaluate: false, stop.Token, observer: new CancelAt(4, stop)));

            var meta = Directory.GetFiles(project.Combine("mlruns"), "meta.yaml", SearchOption.AllDirectories)
                .Single(m => File.ReadAllText(m).Contains("run_id:"));
            Assert.Contains("status: 5", File.ReadAllText(meta));
            Assert.NotEmpty(Directory.GetDirectories(project.Combine("artifacts", "work", "train"), "step-*", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public async Task RunsTheServerMissed_AreSentAtTheEndOfTheNextRun()
    {
        using var project = new TempFolder();
        using var server = new ImdbExperiments.Tests.Tracking.FakeMlflowServer { Mode = ImdbExperiments.Tests.Tracking.FakeMlflowServer.Availability.Unavailable503 };
        var context = Context(project) with { TrackingFlushTimeout = TimeSpan.FromSeconds(1) };
        PipelineContext WithSeed(int seed) => context with
        {
            Spec = SpecLoader.Load(project.Combine("recorded.yaml"), [$"seed={seed}", $"tracking.uri={server.Uri}"], project.Path),
        };

        var missed = await ExperimentRun.RunAsync(WithSeed(1), evaluate: false, CancellationToken.None);
        Assert.False(missed.Tracking!.AllSent);
        Assert.Empty(server.Runs);

        server.Mode = ImdbExperiments.Tests.Tracking.FakeMlflowServer.Availability.Up;
        var next = await ExperimentRun.RunAsync(WithSeed(2), evaluate: false, CancellationToken.None);

        Assert.True(next.Tracking!.AllSent);
        Assert.Equal(2, server.Runs.Count);
        Assert.All(server.Runs, run => Assert.Equal("FINISHED", run.Status));
        Assert.All(server.Runs, run => Assert.Contains(run.Metrics, m => m.Key == "train/loss"));
        Assert.Equal(0, ImdbExperiments.Tracking.RunJournal.PendingEvents(missed.RunFolder));
    }

    sealed class CancelAt(int step, CancellationTokenSource stop) : ITrainingObserver
    {
        public void Started(int totalSteps, int? resumedFromStep) { }
        public void Step(TrainingProgress progress) { if (progress.Step == step) stop.Cancel(); }
        public void Evaluation(EvaluationRecord evaluation) { }
    }
}
