using ImdbExperiments.Runs;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Runs;

/// <summary>
/// The run's model as MLflow 3's log_model stores it (mlflow/models/model.py Model.log): the weights once, under the
/// LoggedModel's own artifact location (client.log_model_artifacts(model_id, ...): &lt;experiment&gt;/models/&lt;id&gt;/artifacts),
/// none under the run's artifacts, and the run's outputs naming the model at its step (client.log_outputs(run_id,
/// [LoggedModelOutput(model_id, step)]): mlflow/server/handlers.py _log_outputs, sqlalchemy_store.py log_outputs, file_store.py
/// log_outputs), at every backend, once.
/// </summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class RunModelOutputsTests
{
    [Theory]
    [InlineData("rest")]
    [InlineData("sqlite")]
    [InlineData("file")]
    public async Task ModelWeights_AreStoredOnce_AsTheLoggedModelsArtifacts_TheRunListsTheModelAsItsOutput_AndACacheHitAddsNothing(string backend)
    {
        using var project = new TempFolder();
        using var server = new FakeMlflowServer();
        var uri = backend switch
        {
            "rest" => server.Uri,
            "sqlite" => "sqlite:///" + project.Combine("mlflow.db"),
            _ => MlflowFileStore.ToFileUri(project.Combine("mlruns")),
        };
        var context = RunDatasetsTests.Context(project, $"tracking.uri={uri}");
        IReadOnlyList<string> StoreFiles() => backend == "rest"
            ? [.. server.Artifacts.Keys.Order(StringComparer.Ordinal)]
            : [.. Directory.EnumerateFiles(project.Combine("mlruns"), "*", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(project.Combine("mlruns"), file).Replace('\\', '/')).Order(StringComparer.Ordinal)];

        var first = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        Assert.True(first.Tracking!.AllSent, first.Tracking.Problem);

        var record = Assert.Single(await TrackedRunReader.ReadRunsAsync(uri, "datasets", project.Path, _ => null));
        var output = Assert.Single(record.ModelOutputs);
        Assert.StartsWith("m-", output.ModelId);
        Assert.Equal((int)first.Train.Manifest.Summary["best_step"]!, output.Step);
        // The weights and the HF config once, in the model's own artifact folder; the run's artifacts have no model/ copy.
        var weights = Assert.Single(StoreFiles(), file => file.EndsWith("model.safetensors", StringComparison.Ordinal));
        Assert.EndsWith($"/models/{output.ModelId}/artifacts/model/model.safetensors", "/" + weights);
        Assert.Single(StoreFiles(), file => file.EndsWith("/config.json", StringComparison.Ordinal));

        var journal = Path.Combine(first.RunFolder, RunJournal.JournalFileName);
        var journalBytes = File.ReadAllBytes(journal);
        var storeFiles = StoreFiles();
        var outputRequests = server.Requests.Count(request => request.Path.EndsWith("/runs/outputs", StringComparison.Ordinal));

        var again = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        Assert.True(again.Train.CacheHit);
        Assert.True(again.Tracking!.AllSent, again.Tracking.Problem);
        Assert.Equal(journalBytes, File.ReadAllBytes(journal));
        Assert.Equal(storeFiles, StoreFiles());
        Assert.Equal([output], Assert.Single(await TrackedRunReader.ReadRunsAsync(uri, "datasets", project.Path, _ => null)).ModelOutputs);
        Assert.Equal(outputRequests, server.Requests.Count(request => request.Path.EndsWith("/runs/outputs", StringComparison.Ordinal)));
        if (backend == "rest")
            Assert.Equal(1, outputRequests);
    }

    [Fact]
    public async Task LogModelFalse_StoresNoWeights_AndTheRunHasNoOutputs()
    {
        using var project = new TempFolder();
        var mlruns = project.Combine("mlruns");
        var uri = MlflowFileStore.ToFileUri(mlruns);

        var run = await ExperimentRun.RunAsync(RunDatasetsTests.Context(project, $"tracking.uri={uri}", "tracking.log_model=false"), evaluate: false, CancellationToken.None);
        Assert.True(run.Tracking!.AllSent, run.Tracking.Problem);

        Assert.Empty(Assert.Single(await TrackedRunReader.ReadRunsAsync(uri, "datasets", project.Path, _ => null)).ModelOutputs);
        Assert.Empty(Directory.EnumerateFiles(mlruns, "model.safetensors", SearchOption.AllDirectories));
        // The run's own files are still logged.
        Assert.NotEmpty(Directory.EnumerateFiles(mlruns, "history.jsonl", SearchOption.AllDirectories));
    }
}
