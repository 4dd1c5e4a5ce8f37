using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowFileStoreTests
{
    [Fact]
    public void FileStore_CreatesDefaultExperimentZeroOnFirstOpen()
    {
        using var temp = new TempFolder();
        var root = temp.Combine("mlruns");

        using var store = new MlflowFileStore(root);

        var experiment = Assert.Single(MlflowFileStoreReader.Experiments(root));
        Assert.Equal("0", experiment.Id);
        Assert.Equal("Default", experiment.Name);
        Assert.Equal("active", experiment.LifecycleStage);
        Assert.Equal(MlflowFileStore.ToFileUri(Path.Combine(root, "0")), experiment.ArtifactLocation);
        Assert.True(Directory.Exists(Path.Combine(root, ".trash")));
    }

    [Fact]
    public async Task FileStore_NewExperimentGetsAnEighteenDigitIdAndIsFoundByName()
    {
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));

        var id = await store.GetOrCreateExperimentAsync("imdb bert-base");
        var again = await store.GetOrCreateExperimentAsync("imdb bert-base");

        Assert.Matches("^[1-9][0-9]{17}$", id);
        Assert.Equal(id, again);
        Assert.Contains(MlflowFileStoreReader.Experiments(store.RootDirectory), e => e.Id == id && e.Name == "imdb bert-base");
    }

    [Fact]
    public async Task FileStore_ExperimentTagIsAFileUnderTheExperimentsTagsFolder_OverwrittenBySetAgain()
    {
        // mlflow/store/tracking/file_store.py set_experiment_tag: <experiment>/tags/<key> holds the value.
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));
        var id = await store.GetOrCreateExperimentAsync("described");

        await store.SetExperimentTagAsync(id, new RunTag("mlflow.note.content", "first"));
        await store.SetExperimentTagAsync(id, new RunTag("mlflow.note.content", "second"));

        Assert.Equal("second", File.ReadAllText(Path.Combine(store.RootDirectory, id, "tags", "mlflow.note.content")));
        await Assert.ThrowsAsync<TrackingException>(() => store.SetExperimentTagAsync("999", new RunTag("k", "v")));
    }

    [Fact]
    public async Task FileStore_WritesRunsAsMlflowsFileStoreReadsThem()
    {
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));
        var experimentId = await store.GetOrCreateExperimentAsync("imdb");
        var run = await store.CreateRunAsync(experimentId, "bert-base-seed1", 1_700_000_000_000, "alice",
            [new RunTag(TrackingTags.SourceType, "LOCAL"), new RunTag("imdbx.spec_hash", "ab12")]);

        var rejected = await store.LogBatchAsync(run.RunId,
            [
                new Metric("train/loss", 0.6931471805599453, 1_700_000_000_100, 0),
                new Metric("train/loss", 0.5, 1_700_000_000_200, 1),
                new Metric("train/grad_norm", double.NaN, 1_700_000_000_200, 1),
                new Metric("weird", double.PositiveInfinity, 1_700_000_000_300, 2),
                new Metric("weird", double.NegativeInfinity, 1_700_000_000_300, 3),
                new Metric("test/accuracy", 1e-05, 1_700_000_000_400, 4),
            ],
            [new Param("training.learning_rate", "2e-05"), new Param("model/name", "bert-base-uncased"), new Param("empty", "")],
            [new RunTag("note", "line one\nline two")]);
        await store.LogInputsAsync(run.RunId, [DatasetInput.FromUrl("imdb", "0123456789abcdef", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz", "train")]);
        var spec = Path.Combine(temp.Path, "spec.yaml");
        File.WriteAllText(spec, "seed: 1\n");
        var model = Directory.CreateDirectory(Path.Combine(temp.Path, "model"));
        File.WriteAllText(Path.Combine(model.FullName, "config.json"), "{}");
        Directory.CreateDirectory(Path.Combine(model.FullName, "tokenizer"));
        File.WriteAllText(Path.Combine(model.FullName, "tokenizer", "vocab.txt"), "[PAD]\n");
        await store.LogArtifactAsync(run, spec, null);
        await store.LogArtifactAsync(run, model.FullName, "model");
        await store.UpdateRunAsync(run.RunId, RunStatus.Finished, 1_700_000_001_000);

        Assert.Empty(rejected);
        var read = Assert.Single(MlflowFileStoreReader.Runs(store.RootDirectory, experimentId));
        Assert.Equal(run.RunId, read.RunId);
        Assert.Equal(run.RunId, read.RunUuid);
        Assert.Matches("^[0-9a-f]{32}$", read.RunId);
        Assert.Equal("bert-base-seed1", read.RunName);
        Assert.Equal("alice", read.UserId);
        Assert.Equal(3, read.Status);
        Assert.Equal(1_700_000_000_000, read.StartTime);
        Assert.Equal(1_700_000_001_000, read.EndTime);
        Assert.Equal("active", read.LifecycleStage);
        Assert.EndsWith($"/{experimentId}/{run.RunId}/artifacts", read.ArtifactUri);
        Assert.StartsWith("file:///", read.ArtifactUri);
        // Fields old MLflow readers require.
        Assert.Equal(4L, read.Meta["source_type"]);
        Assert.Equal("", read.Meta["source_name"]);
        Assert.Equal("", read.Meta["entry_point_name"]);
        Assert.Equal("", read.Meta["source_version"]);
        Assert.Null(read.Meta["deleted_time"]);
        Assert.Equal(new List<object?>(), read.Meta["tags"]);

        Assert.Equal("2e-05", read.Params["training.learning_rate"]);
        Assert.Equal("bert-base-uncased", read.Params["model/name"]);
        Assert.Equal("", read.Params["empty"]);
        Assert.Equal("line one\nline two", read.Tags["note"]);
        Assert.Equal("bert-base-seed1", read.Tags[TrackingTags.RunName]);
        Assert.Equal("LOCAL", read.Tags[TrackingTags.SourceType]);

        Assert.Equal([(1_700_000_000_100L, 0.6931471805599453, 0L), (1_700_000_000_200L, 0.5, 1L)], read.Metrics["train/loss"]);
        Assert.True(double.IsNaN(read.Metrics["train/grad_norm"].Single().Value));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], read.Metrics["weird"].Select(m => m.Value));
        var runFolder = Path.Combine(store.RootDirectory, experimentId, run.RunId);
        Assert.Equal("1700000000100 0.6931471805599453 0\n1700000000200 0.5 1\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "train", "loss")));
        Assert.Equal("1700000000200 nan 1\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "train", "grad_norm")));
        Assert.Equal("1700000000300 inf 2\n1700000000300 -inf 3\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "weird")));
        Assert.Equal("1700000000400 1e-05 4\n", File.ReadAllText(Path.Combine(runFolder, "metrics", "test", "accuracy")));

        var (dataset, inputTags) = Assert.Single(read.Inputs);
        Assert.Equal("imdb", dataset["name"]);
        Assert.Equal("0123456789abcdef", dataset["digest"]);
        Assert.Equal("http", dataset["source_type"]);
        Assert.Equal("{\"url\": \"https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz\"}", dataset["source"]);
        Assert.Equal("train", inputTags[TrackingTags.DatasetContext]);
        var datasetId = MlflowFileStoreReader.DatasetId("imdb", "0123456789abcdef");
        Assert.True(File.Exists(Path.Combine(runFolder, "inputs", MlflowFileStoreReader.InputId(datasetId, run.RunId), "meta.yaml")));

        var artifacts = Path.Combine(runFolder, "artifacts");
        Assert.Equal("seed: 1\n", File.ReadAllText(Path.Combine(artifacts, "spec.yaml")));
        Assert.Equal("{}", File.ReadAllText(Path.Combine(artifacts, "model", "config.json")));
        Assert.Equal("[PAD]\n", File.ReadAllText(Path.Combine(artifacts, "model", "tokenizer", "vocab.txt")));
        // No temporary files left where MLflow would list them.
        Assert.Empty(Directory.EnumerateFiles(store.RootDirectory, "*.tmp*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(runFolder, ".tmp-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task FileStore_ChangedParamIsRejectedAndSameValueIsAccepted()
    {
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));
        var run = await store.CreateRunAsync("0", "run", 1, "alice", []);
        await store.LogBatchAsync(run.RunId, [], [new Param("lr", "0.1")], []);

        var same = await store.LogBatchAsync(run.RunId, [], [new Param("lr", "0.1")], []);
        var changed = await store.LogBatchAsync(run.RunId, [new Metric("m", 1, 2, 0)], [new Param("lr", "0.2"), new Param("seed", "1")], []);

        Assert.Empty(same);
        var rejection = Assert.Single(changed);
        Assert.Equal(("param", "lr"), (rejection.Kind, rejection.Key));
        Assert.Contains("Changing param values is not allowed", rejection.Reason);
        var read = Assert.Single(MlflowFileStoreReader.Runs(store.RootDirectory, "0"));
        Assert.Equal("0.1", read.Params["lr"]);
        Assert.Equal("1", read.Params["seed"]);
        Assert.Single(read.Metrics["m"]);
    }

    [Fact]
    public async Task FileStore_KeysMlflowRefusesAreRejectedAndTheRestIsWritten()
    {
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));
        var run = await store.CreateRunAsync("0", "run", 1, "alice", []);

        var rejected = await store.LogBatchAsync(run.RunId, [new Metric("../escape", 1, 2, 0), new Metric("ok", 1, 2, 0)], [], []);

        Assert.Equal("../escape", Assert.Single(rejected).Key);
        Assert.False(File.Exists(Path.Combine(store.RootDirectory, "0", "escape")));
        Assert.Single(Assert.Single(MlflowFileStoreReader.Runs(store.RootDirectory, "0")).Metrics["ok"]);
    }

    [Fact]
    public void FileStore_ConcurrentWritersCreatingOneExperimentAgreeOnItsId()
    {
        using var temp = new TempFolder();
        var root = temp.Combine("mlruns");
        const int writers = 8, names = 20;
        var stores = Enumerable.Range(0, writers).Select(_ => new MlflowFileStore(root)).ToList();
        using var barrier = new Barrier(writers);
        var ids = new string[writers, names];

        var threads = Enumerable.Range(0, writers).Select(writer => new Thread(() =>
        {
            for (var name = 0; name < names; name++)
            {
                barrier.SignalAndWait();
                ids[writer, name] = stores[writer].GetOrCreateExperimentAsync($"sweep-{name}").GetAwaiter().GetResult();
            }
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        for (var name = 0; name < names; name++)
            Assert.Single(Enumerable.Range(0, writers).Select(writer => ids[writer, name]).Distinct());
        Assert.Equal(1 + names, MlflowFileStoreReader.Experiments(root).Count);
    }

    [Fact]
    public async Task FileStore_MetricHistoryReadsBackWhatWasWritten()
    {
        using var temp = new TempFolder();
        using var store = new MlflowFileStore(temp.Combine("mlruns"));
        var run = await store.CreateRunAsync("0", "run", 1, "alice", []);
        Metric[] written = [new("a/b", double.NaN, 5, 0), new("a/b", 0.25, 6, 1), new("a/b", double.NegativeInfinity, 7, 2)];
        await store.LogBatchAsync(run.RunId, written, [], []);

        var history = await store.GetMetricHistoryAsync(run.RunId, "a/b");

        Assert.Equal(written.Length, history.Count);
        Assert.All(written.Zip(history), pair => Assert.True(pair.First.IsSamePointAs(pair.Second)));
    }
}
