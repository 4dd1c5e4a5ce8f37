using System.Text;
using ImdbExperiments.Runs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;
using YamlDotNet.RepresentationModel;

namespace ImdbExperiments.Tests.Runs;

/// <summary>
/// The run's best model as an MLflow 3 LoggedModel: created once, linked to its run and to the validation metrics it was
/// chosen by, READY, with the Hugging Face folder and an MLmodel file in the layout of mlflow.transformers.save_model
/// (mlflow/transformers/model_io.py: model/ and components/tokenizer/; flavor_config.py
/// build_flavor_config_from_local_checkpoint: task, instance_type, pipeline_model_type, model_binary, components).
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class RunModelTests
{
    [Fact]
    public async Task BestModel_IsOneReadyLoggedModel_WithMLmodelAndHfFolder_LinkedToItsRun_AndNotCreatedAgainOnACacheHitRerun()
    {
        using var project = new TempFolder();
        using var server = new FakeMlflowServer();
        var context = RunDatasetsTests.Context(project, $"tracking.uri={server.Uri}");

        var first = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        Assert.True(first.Tracking!.AllSent, first.Tracking.Problem);

        var model = Assert.Single(server.LoggedModels);
        var run = Assert.Single(server.Runs);
        Assert.Equal(run.RunId, model.SourceRunId);
        Assert.Equal("LOGGED_MODEL_READY", model.Status);
        Assert.Equal(first.Train.Key, model.Tags[RunModel.TrainKeyTag]);
        Assert.Equal("40", model.Params["tokenizer.max_length"]);
        var validation = run.Inputs.Single(i => (string?)i["dataset"]!["name"] == "imdb-validation")["dataset"]!;
        Assert.NotEmpty(model.Metrics);
        Assert.All(model.Metrics, m =>
        {
            Assert.Equal(("imdb-validation", (string?)validation["digest"], run.RunId), (m.DatasetName, m.DatasetDigest, m.RunId));
            Assert.StartsWith("best_validation/", m.Key);
        });
        // The model's points are the run's: the run keeps each once.
        Assert.Single(run.Metrics, m => m.Key == "best_validation/accuracy");

        var root = $"{model.ExperimentId}/models/{model.ModelId}/artifacts/";
        foreach (var file in new[] { "MLmodel", "model/config.json", "model/model.safetensors", "components/tokenizer/vocab.txt", "components/tokenizer/tokenizer_config.json", "requirements.txt", "python_env.yaml" })
            Assert.True(server.Artifacts.ContainsKey(root + file), file);

        var mlmodel = (YamlMappingNode)Load(Encoding.UTF8.GetString(server.Artifacts[root + "MLmodel"]));
        Assert.Equal(model.ModelId, Scalar(mlmodel, "model_id"));
        Assert.Equal(run.RunId, Scalar(mlmodel, "run_id"));
        var flavors = (YamlMappingNode)mlmodel["flavors"];
        var transformers = (YamlMappingNode)flavors["transformers"];
        Assert.Equal("text-classification", Scalar(transformers, "task"));
        Assert.Equal("TextClassificationPipeline", Scalar(transformers, "instance_type"));
        Assert.Equal("BertForSequenceClassification", Scalar(transformers, "pipeline_model_type"));
        Assert.Equal("model", Scalar(transformers, "model_binary"));
        Assert.Equal(["tokenizer"], ((YamlSequenceNode)transformers["components"]).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Equal("mlflow.transformers", Scalar((YamlMappingNode)flavors["python_function"], "loader_module"));

        // Every stage a cache hit: no second model, and no second logged_model event in the journal.
        var again = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        Assert.True(again.Train.CacheHit);
        Assert.True(again.Tracking!.AllSent, again.Tracking.Problem);
        Assert.Single(server.LoggedModels);
        Assert.Single(File.ReadLines(Path.Combine(again.RunFolder, RunJournal.JournalFileName)), line => line.Contains("\"type\":\"logged_model\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileStoreRun_HasAReadyLoggedModelFolder_WithItsArtifacts()
    {
        using var project = new TempFolder();
        var mlruns = project.Combine("mlruns");
        var run = await ExperimentRun.RunAsync(RunDatasetsTests.Context(project, $"tracking.uri={MlflowFileStore.ToFileUri(mlruns)}"), evaluate: false, CancellationToken.None);
        Assert.True(run.Tracking!.AllSent, run.Tracking.Problem);

        var experiment = Directory.GetDirectories(mlruns).Single(folder => Directory.Exists(Path.Combine(folder, run.Tracking.RunId!)));
        var modelFolder = Assert.Single(Directory.GetDirectories(Path.Combine(experiment, "models")));
        var meta = File.ReadAllText(Path.Combine(modelFolder, "meta.yaml"));
        Assert.Contains($"source_run_id: {run.Tracking.RunId}", meta);
        Assert.Contains("status: READY", meta);
        Assert.Contains($"model_id: {Path.GetFileName(modelFolder)}", meta);
        Assert.True(File.Exists(Path.Combine(modelFolder, "artifacts", "MLmodel")));
        Assert.True(File.Exists(Path.Combine(modelFolder, "artifacts", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(modelFolder, "artifacts", "components", "tokenizer", "vocab.txt")));
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(modelFolder, "metrics", "best_validation", "accuracy")));
        Assert.Equal(run.Train.Key, File.ReadAllText(Path.Combine(modelFolder, "tags", RunModel.TrainKeyTag)));
    }

    static YamlNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }

    static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value;
}
