using ImdbExperiments.Caching;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Runs;

/// <summary>
/// A run's datasets as MLflow keeps them: one input per (name, digest) in a run (mlflow/store/tracking/file_store.py
/// _log_inputs: dataset id md5(name + digest), input id md5(dataset id + run id); sqlalchemy_store.py _log_inputs_impl
/// the same per row), so each split must be a dataset of its own to show.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class RunDatasetsTests
{
    internal const string Spec = """
        name: datasets
        seed: 5
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 60
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 300
        tokenizer:
          max_length: 40
        training:
          epochs: 1
          batch_size: 32
          log_every: 2
          threads: 1
        """;

    internal static PipelineContext Context(TempFolder project, params string[] overrides)
    {
        File.WriteAllText(project.Combine("datasets.yaml"), Spec);
        var artifacts = project.Combine("artifacts");
        return new PipelineContext
        {
            Spec = SpecLoader.Load(project.Combine("datasets.yaml"), overrides, project.Path),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
            TrackingFlushTimeout = TimeSpan.FromSeconds(20),
        };
    }

    [Fact]
    public async Task FileStoreRun_HasOneDatasetPerSplit_WithItsContextDigestSchemaAndProfile()
    {
        using var project = new TempFolder();
        var mlruns = project.Combine("mlruns");
        var run = await ExperimentRun.RunAsync(Context(project, $"tracking.uri={MlflowFileStore.ToFileUri(mlruns)}"), evaluate: false, CancellationToken.None);
        Assert.True(run.Tracking!.AllSent, run.Tracking.Problem);

        var experiment = MlflowFileStoreReader.Experiments(mlruns).Single(e => e.Name == "datasets");
        var inputs = MlflowFileStoreReader.Runs(mlruns, experiment.Id).Single().Inputs;

        Assert.Equal(["test", "train", "validation"], inputs.Select(i => i.Tags[TrackingTags.DatasetContext]).Order());
        Assert.Equal(3, inputs.Select(i => (string)i.Dataset["digest"]!).Distinct().Count());
        foreach (var (dataset, tags) in inputs)
        {
            Assert.Equal("imdb-" + tags[TrackingTags.DatasetContext], dataset["name"]);
            Assert.Equal("local", dataset["source_type"]);
            Assert.Contains("\"mlflow_colspec\"", (string)dataset["schema"]!);
            Assert.Contains("\"num_rows\": ", (string)dataset["profile"]!);
            Assert.Contains("\"num_positive\": ", (string)dataset["profile"]!);
        }
    }

    [Fact]
    public async Task ServerRun_ShowsAllThreeSplitInputs()
    {
        using var project = new TempFolder();
        using var server = new FakeMlflowServer();
        var run = await ExperimentRun.RunAsync(Context(project, $"tracking.uri={server.Uri}"), evaluate: false, CancellationToken.None);
        Assert.True(run.Tracking!.AllSent, run.Tracking.Problem);

        var inputs = server.Runs.Single().Inputs;
        Assert.Equal(3, inputs.Count);
        Assert.Equal(["imdb-test", "imdb-train", "imdb-validation"], inputs.Select(i => (string)i["dataset"]!["name"]!).Order());
        Assert.Equal(["test", "train", "validation"], inputs.Select(i => (string)i["tags"]![0]!["value"]!).Order());
    }
}
