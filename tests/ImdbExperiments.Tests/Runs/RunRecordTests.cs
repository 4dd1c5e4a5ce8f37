using ImdbExperiments.Caching;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Tracking;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Runs;

/// <summary>The run record is exact: each event reaches each tracking target once, live and replayed curves are one vocabulary.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class RunRecordTests
{
    // No tracking.uri and no tracking.experiment: the target comes from the environment, as a user's MLFLOW_* variables give it.
    const string Spec = """
        name: exact
        description: the run record is exact
        seed: 3
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 100
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 400
        tokenizer:
          max_length: 40
        training:
          epochs: 1
          batch_size: 16
          log_every: 2
          threads: 1
        """;

    static PipelineContext Context(TempFolder project, Dictionary<string, string?> environment)
    {
        File.WriteAllText(project.Combine("exact.yaml"), Spec);
        var artifacts = project.Combine("artifacts");
        return new PipelineContext
        {
            Spec = SpecLoader.Load(project.Combine("exact.yaml"), [], project.Path),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
            Environment = name => environment.GetValueOrDefault(name),
            TrackingFlushTimeout = TimeSpan.FromSeconds(20),
        };
    }

    /// <summary>Every (key, step) point history.jsonl gives, first entry first (epoch is in a step's train and evaluation entries alike).</summary>
    static List<(string Key, long Step, double Value, long Timestamp)> HistoryPoints(string runFolder) =>
        [.. TrainingHistory.Read(Path.Combine(runFolder, TrainingHistory.FileName))
            .SelectMany(entry => entry.Metrics().Select(m => (m.Key, Step: (long)entry.Step, m.Value, Timestamp: entry.TimestampMs)))
            .DistinctBy(point => (point.Key, point.Step))];

    static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => !file.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(file => Path.GetRelativePath(folder, file), File.ReadAllBytes);

    [Fact]
    public async Task TrainEvaluateEvaluatePredict_LogsEachPointOnce_AsHistoryGivesIt_AndCacheHitsSendNothing()
    {
        using var project = new TempFolder();
        using var server = new FakeMlflowServer();
        var context = Context(project, new() { [TrackingUri.EnvironmentVariable] = server.Uri });

        var train = await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None);
        await ExperimentRun.RunAsync(context, evaluate: true, CancellationToken.None);
        var requests = server.Requests.Count;
        var journal = File.ReadAllBytes(Path.Combine(train.RunFolder, RunJournal.JournalFileName));
        await ExperimentRun.RunAsync(context, evaluate: true, CancellationToken.None);
        await ExperimentRun.RunAsync(context, evaluate: false, CancellationToken.None); // what Predict --experiment runs

        Assert.Equal(requests, server.Requests.Count);
        Assert.Equal(journal, File.ReadAllBytes(Path.Combine(train.RunFolder, RunJournal.JournalFileName)));
        var run = Assert.Single(server.Runs);
        Assert.Equal("FINISHED", run.Status);
        Assert.All(run.Metrics.GroupBy(m => (m.Key, m.Step)), points => Assert.Single(points));
        var expected = HistoryPoints(train.RunFolder);
        Assert.Contains(expected, p => p.Key == HistoryEntry.EpochMetric);
        Assert.Contains(expected, p => p.Key == "validation/tp");
        foreach (var point in expected)
        {
            var logged = Assert.Single(run.Metrics, m => m.Key == point.Key && m.Step == point.Step);
            Assert.Equal((point.Value, point.Timestamp), (logged.Value, logged.Timestamp));
        }
        Assert.Single(run.Metrics, m => m.Key == "test/accuracy");
        Assert.Equal("the run record is exact", run.Tags[TrackingTags.Note]);
        // The description is the experiment's too (MLflow shows an experiment's mlflow.note.content tag as its description).
        Assert.Equal("the run record is exact", server.ExperimentTags(run.ExperimentId)[TrackingTags.Note]);
    }

    [Fact]
    public async Task AChangedTrackingUri_RecordsTheRunAfreshThere_WithTheLiveRunsCurves_AndLeavesTheOldStoreAlone()
    {
        using var project = new TempFolder();
        using var first = new FakeMlflowServer();
        using var second = new FakeMlflowServer();
        var live = await ExperimentRun.RunAsync(Context(project, new() { [TrackingUri.EnvironmentVariable] = first.Uri }), evaluate: false, CancellationToken.None);
        var requestsAtFirst = first.Requests.Count;

        var cached = await ExperimentRun.RunAsync(
            Context(project, new() { [TrackingUri.EnvironmentVariable] = second.Uri, [TrackingTarget.ExperimentVariable] = "from-env" }),
            evaluate: false, CancellationToken.None);

        Assert.Equal(live.RunFolder, cached.RunFolder);
        Assert.Equal(requestsAtFirst, first.Requests.Count);
        Assert.StartsWith(second.Uri.TrimEnd('/'), cached.Tracking!.TrackingUri.TrimEnd('/'));
        Assert.Equal(2, RunJournal.JournalFiles(live.RunFolder).Count);
        var liveRun = Assert.Single(first.Runs);
        var cachedRun = Assert.Single(second.Runs);
        Assert.Equal(second.ExperimentId("from-env"), cachedRun.ExperimentId);
        Assert.Equal(first.ExperimentId("exact"), liveRun.ExperimentId);
        static string[] Points(FakeMlflowServer.FakeRun run) =>
            [.. run.Metrics.Select(m => $"{m.Key}@{m.Step}={m.Value:R}@{m.Timestamp}").Order(StringComparer.Ordinal)];
        Assert.Equal(Points(liveRun), Points(cachedRun));
    }

    [Fact]
    public async Task ACacheHitRerun_LeavesTheFileStoreAndTheRunFolderByteIdentical()
    {
        using var project = new TempFolder();
        var store = project.Combine("mlruns");
        var context = Context(project, new() { [TrackingUri.EnvironmentVariable] = MlflowFileStore.ToFileUri(store) });
        var run = await ExperimentRun.RunAsync(context, evaluate: true, CancellationToken.None);
        var before = Snapshot(store);
        var journals = Snapshot(run.RunFolder).Where(f => f.Key.StartsWith("tracking", StringComparison.Ordinal)).ToDictionary();

        await ExperimentRun.RunAsync(context, evaluate: true, CancellationToken.None);

        var after = Snapshot(store);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, file => Assert.True(file.Value.AsSpan().SequenceEqual(after[file.Key]), file.Key));
        Assert.All(journals, file => Assert.True(file.Value.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run.RunFolder, file.Key))), file.Key));
    }

    [Fact]
    public void TheTrackingTarget_IsTheSpecsThenTheEnvironmentsThenTheDefault()
    {
        using var project = new TempFolder();
        var environment = new Dictionary<string, string?>
        {
            [TrackingUri.EnvironmentVariable] = "http://env-host:5000",
            [TrackingTarget.ExperimentVariable] = "env-experiment",
        };
        var context = Context(project, environment);

        var fromEnvironment = TrackingTarget.Of(RunTracking.TrackingOptions(context));
        var fromSpec = TrackingTarget.Of(RunTracking.TrackingOptions(context with
        {
            Spec = SpecLoader.Load(project.Combine("exact.yaml"), ["tracking.uri=http://spec-host:5000", "tracking.experiment=spec-experiment"], project.Path),
        }));
        environment.Clear();
        var byDefault = TrackingTarget.Of(RunTracking.TrackingOptions(context) with { BaseDirectory = project.Path });

        Assert.Equal(new TrackingTarget("http://env-host:5000", "env-experiment"), fromEnvironment);
        Assert.Equal(new TrackingTarget("http://spec-host:5000", "spec-experiment"), fromSpec);
        Assert.Equal(new TrackingTarget(TrackingUri.Normalize(TrackingUri.Default, project.Path), "exact"), byDefault);
    }
}
