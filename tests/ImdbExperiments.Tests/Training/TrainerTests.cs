using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Training;

[Collection(TorchGlobalStateCollection.Name)]
public sealed partial class TrainerTests : IDisposable
{
    private readonly TrainingData _data = new();

    public void Dispose() => _data.Dispose();

    private TrainingResult Train(TrainingSpec spec, string runFolder, TrainingCallbacks? callbacks = null, CancellationToken cancellationToken = default, int seed = 3)
    {
        using var model = TrainingData.NewModel();
        using var train = TokenFile.Open(_data.TrainPath);
        using var validation = TokenFile.Open(_data.ValidationPath);
        return new Trainer(spec, seed).Train(model, train, validation, runFolder, _data.Export, callbacks, cancellationToken);
    }

    /// <summary>history.jsonl without its timing fields (the last two fields of each line: the timing figure and the timestamp), which alone may differ between runs.</summary>
    private static string[] HistoryWithoutTimings(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "history.jsonl")).Select(line => TimingField().Replace(line, "}")).ToArray();

    [GeneratedRegex(@",""(examples_per_second|eval_seconds)"":[^,}]*,""timestamp"":\d+\}$")]
    private static partial Regex TimingField();

    private static JsonObject[] Lines(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "history.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    [Fact]
    public void Train_LearnsTheCueWordAndSavesTheBestModel()
    {
        var run = _data.Folder("run");
        var evaluations = new List<EvaluationRecord>();
        var steps = new List<TrainingProgress>();

        var result = Train(TrainingData.Spec with { Epochs = 5 }, run, new TrainingCallbacks { Step = steps.Add, Evaluation = evaluations.Add });

        Assert.Equal(60, result.TotalSteps);   // 96 examples / batch 8 = 12 steps an epoch
        Assert.Equal(60, result.LastStep);
        Assert.Equal(5.0, result.Epochs);
        Assert.True(result.BestMetrics.Accuracy >= 0.9, $"validation accuracy {result.BestMetrics.Accuracy}");
        Assert.Equal(Enumerable.Range(1, 60), steps.Select(s => s.Step));
        Assert.Equal([12, 24, 36, 48, 60], evaluations.Select(e => e.Step));
        Assert.Equal(result.BestStep, evaluations.Last(e => e.IsBest).Step);

        var train = Lines(run).Where(l => l.ContainsKey("loss")).ToArray();
        Assert.Equal(30, train.Length);   // every 2 steps
        Assert.True(train[^1]["loss"]!.GetValue<double>() < 0.5 * train[0]["loss"]!.GetValue<double>(),
            $"loss went from {train[0]["loss"]} to {train[^1]["loss"]}");
        using var predictor = SentimentPredictor.Load(result.BestModelFolder);
        Assert.Equal(["NEGATIVE", "POSITIVE"], predictor.Labels);
        var verdicts = predictor.Predict(["w3 w17 great w40 w8", "w5 awful w60", "W12 GREAT"]);
        Assert.Equal(["POSITIVE", "NEGATIVE", "POSITIVE"], verdicts.Select(v => v.Label));
        Assert.All(verdicts, v => Assert.InRange(v.Score, 0.6, 1.0));
    }

    [Fact]
    public void Train_LogsTheScheduledLearningRateAndEvaluationLines()
    {
        var run = _data.Folder("run");
        Train(TrainingData.Spec with { Epochs = 1, WarmupSteps = 4, LrScheduler = LrScheduler.Linear }, run);

        var lines = Lines(run);
        // Step 2's update ran after 1 completed step: 1/4 of the peak; step 12's after 11: (12 - 11) / (12 - 4).
        Assert.Equal(5e-3 * 0.25, lines[0]["learning_rate"]!.GetValue<double>(), 15);
        Assert.Equal(new[] { "step", "epoch", "loss", "learning_rate", "grad_norm", "examples_per_second", "timestamp" }, lines[0].Select(p => p.Key));
        var evaluation = lines.Single(l => l.ContainsKey("eval_loss"));
        Assert.Equal(new[] { "step", "epoch", "eval_loss", "eval_accuracy", "eval_precision", "eval_recall", "eval_f1", "eval_roc_auc",
                "eval_tn", "eval_fp", "eval_fn", "eval_tp", "is_best", "eval_seconds", "timestamp" },
            evaluation.Select(p => p.Key));
        Assert.Equal(12, evaluation["step"]!.GetValue<int>());
        var last = lines.Last(l => l.ContainsKey("loss"));
        Assert.Equal(5e-3 * 1 / 8, last["learning_rate"]!.GetValue<double>(), 15);
    }

    [Fact]
    public void Train_IsDeterministicForTheSameSeed()
    {
        var first = _data.Folder("first");
        var second = _data.Folder("second");

        var a = Train(TrainingData.Spec with { GradientAccumulationSteps = 2, EvalEvery = 3 }, first);
        var b = Train(TrainingData.Spec with { GradientAccumulationSteps = 2, EvalEvery = 3 }, second);

        Assert.Equal(HistoryWithoutTimings(first), HistoryWithoutTimings(second));
        Assert.Equal(a.BestMetrics.ToJson().ToJsonString(), b.BestMetrics.ToJson().ToJsonString());
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.BestModelFolder, "model.safetensors")), File.ReadAllBytes(Path.Combine(b.BestModelFolder, "model.safetensors")));
    }

    [Fact]
    public void Train_WithAnotherSeed_TakesAnotherPath()
    {
        var first = _data.Folder("first");
        var second = _data.Folder("second");

        Train(TrainingData.Spec with { Epochs = 1 }, first, seed: 3);
        Train(TrainingData.Spec with { Epochs = 1 }, second, seed: 4);

        Assert.NotEqual(HistoryWithoutTimings(first), HistoryWithoutTimings(second));
    }

    [Fact]
    public void Train_CancelledThenStartedAgain_EndsExactlyAsAnUninterruptedRun()
    {
        var uninterrupted = _data.Folder("uninterrupted");
        var interrupted = _data.Folder("interrupted");
        var expected = Train(TrainingData.Spec, uninterrupted);

        using var cancel = new CancellationTokenSource();
        var checkpoints = new List<int>();
        var callbacks = new TrainingCallbacks { Step = p => { if (p.Step == 7) cancel.Cancel(); }, Checkpointed = (_, step) => checkpoints.Add(step) };
        Assert.ThrowsAny<OperationCanceledException>(() => Train(TrainingData.Spec, interrupted, callbacks, cancel.Token));
        Assert.Equal([5, 7], checkpoints);   // the regular one, then one on cancellation

        int? resumedAt = null;
        var actual = Train(TrainingData.Spec, interrupted, new TrainingCallbacks { Resumed = (_, step) => resumedAt = step });

        Assert.Equal(7, resumedAt);
        Assert.Equal(7, actual.ResumedFromStep);
        Assert.Equal(HistoryWithoutTimings(uninterrupted), HistoryWithoutTimings(interrupted));
        Assert.Equal(expected.BestMetrics.ToJson().ToJsonString(), actual.BestMetrics.ToJson().ToJsonString());
        Assert.Equal((expected.BestStep, expected.LastStep), (actual.BestStep, actual.LastStep));
        Assert.Equal(File.ReadAllBytes(Path.Combine(expected.BestModelFolder, "model.safetensors")), File.ReadAllBytes(Path.Combine(actual.BestModelFolder, "model.safetensors")));
    }

    [Fact]
    public void Train_AfterACrash_ResumesFromTheLastCompleteCheckpointAndIgnoresTornWrites()
    {
        var uninterrupted = _data.Folder("uninterrupted");
        var crashed = _data.Folder("crashed");
        var spec = TrainingData.Spec with { CheckpointEvery = 4, KeepCheckpoints = 10, GradientAccumulationSteps = 2 };
        var expected = Train(spec, uninterrupted);
        Train(spec, crashed);

        // Make the finished run look like one killed during step 10's checkpoint: the history ran on past step 8,
        // later checkpoints and the result do not exist, a temporary checkpoint folder is half-written.
        var checkpoints = Path.Combine(crashed, "checkpoints");
        Assert.Equal(["step-4", "step-8"], Directory.GetDirectories(checkpoints).Select(Path.GetFileName).Order());
        File.Delete(Path.Combine(crashed, "training_result.json"));
        File.Delete(Path.Combine(checkpoints, "step-8", "trainer_state.json"));   // step-8 becomes incomplete too
        var torn = Directory.CreateDirectory(Path.Combine(checkpoints, ".step-10.tmp-0123")).FullName;
        File.WriteAllText(Path.Combine(torn, "model.safetensors"), "half");

        var resumedAt = 0;
        var actual = Train(spec, crashed, new TrainingCallbacks { Resumed = (_, step) => resumedAt = step });

        Assert.Equal(4, resumedAt);
        Assert.False(Directory.Exists(torn));
        Assert.Equal(HistoryWithoutTimings(uninterrupted), HistoryWithoutTimings(crashed));
        Assert.Equal(expected.BestMetrics.ToJson().ToJsonString(), actual.BestMetrics.ToJson().ToJsonString());
    }

    [Fact]
    public void Train_KeepsOnlyTheNewestCheckpoints()
    {
        var run = _data.Folder("run");
        Train(TrainingData.Spec with { CheckpointEvery = 3, KeepCheckpoints = 2 }, run);

        Assert.Equal(["step-18", "step-21"], Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order());
        Assert.Equal(["model.safetensors", "optimizer.bin", "rng_state.bin", "trainer_state.json"],
            Directory.GetFiles(Path.Combine(run, "checkpoints", "step-21")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Train_OfAFinishedRun_ReturnsItsResultWithoutTraining()
    {
        var run = _data.Folder("run");
        var first = Train(TrainingData.Spec with { Epochs = 1 }, run);
        var history = File.ReadAllBytes(Path.Combine(run, "history.jsonl"));
        var stepped = false;

        var again = Train(TrainingData.Spec with { Epochs = 1 }, run, new TrainingCallbacks { Step = _ => stepped = true });

        Assert.False(stepped);
        Assert.Equal(first.LastStep, again.ResumedFromStep);
        Assert.Equal(first.BestMetrics.ToJson().ToJsonString(), again.BestMetrics.ToJson().ToJsonString());
        Assert.Equal(history, File.ReadAllBytes(Path.Combine(run, "history.jsonl")));
    }

    [Fact]
    public void Train_OfAFinishedRun_NeedsNoCheckpoints()
    {
        var run = _data.Folder("run");
        var first = Train(TrainingData.Spec with { Epochs = 1 }, run);

        Trainer.DeleteCheckpoints(run);
        var again = Train(TrainingData.Spec with { Epochs = 1 }, run);

        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints")));
        Assert.Equal(first.BestStep, again.BestStep);
    }

    [Fact]
    public void Train_WithOtherSettings_RefusesToResumeAnotherRunsCheckpoint()
    {
        var run = _data.Folder("run");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            Train(TrainingData.Spec, run, new TrainingCallbacks { Step = p => { if (p.Step == 2) cancel.Cancel(); } }, cancel.Token));

        var e = Assert.Throws<InvalidOperationException>(() => Train(TrainingData.Spec with { LearningRate = 1e-3 }, run));
        Assert.Contains("other settings", e.Message);
    }

    [Fact]
    public void Train_StopsEarlyWhenTheMetricDoesNotImprove()
    {
        var run = _data.Folder("run");
        // A learning rate this small leaves the predictions, hence accuracy, unchanged.
        var result = Train(TrainingData.Spec with { LearningRate = 1e-12, EvalEvery = 2, EarlyStoppingPatience = 2 }, run);

        Assert.True(result.StoppedEarly);
        Assert.Equal(6, result.LastStep);
        Assert.Equal(2, result.BestStep);
        Assert.Equal(3, Lines(run).Count(l => l.ContainsKey("eval_loss")));
    }

    [Fact]
    public void Train_WithMaxSteps_StopsThereAndEvaluatesAtTheEnd()
    {
        var run = _data.Folder("run");
        var evaluations = new List<int>();

        var result = Train(TrainingData.Spec with { MaxSteps = 5 }, run, new TrainingCallbacks { Evaluation = e => evaluations.Add(e.Step) });

        Assert.Equal((5, 5), (result.LastStep, result.TotalSteps));
        Assert.Equal([5], evaluations);
        Assert.Equal(5.0 / 12, result.Epochs, 12);
    }

    [Fact]
    public void Train_InBf16_LearnsTheTask()
    {
        var run = _data.Folder("run");

        var result = Train(TrainingData.Spec with { Epochs = 5, Precision = TrainingPrecision.Bf16 }, run);

        Assert.True(result.BestMetrics.Accuracy >= 0.9, $"validation accuracy {result.BestMetrics.Accuracy}");
        Assert.Equal("F32", System.Text.Json.Nodes.JsonNode.Parse(ReadSafetensorsHeader(Path.Combine(result.BestModelFolder, "model.safetensors")))!["classifier.weight"]!["dtype"]!.GetValue<string>());
    }

    [Fact]
    public void Train_RejectsExamplesLongerThanTheModelTakes()
    {
        using var model = BertForSequenceClassification.CreateRandom(TrainingData.Config with { MaxPositionEmbeddings = 16 }, seed: 1);
        using var train = TokenFile.Open(_data.TrainPath);
        using var validation = TokenFile.Open(_data.ValidationPath);

        var e = Assert.Throws<ArgumentException>(() => new Trainer(TrainingData.Spec, 1).Train(model, train, validation, _data.Folder("run"), _data.Export));
        Assert.Contains("max_position_embeddings", e.Message);
    }

    private static string ReadSafetensorsHeader(string path)
    {
        using var stream = File.OpenRead(path);
        var length = new byte[8];
        stream.ReadExactly(length);
        var header = new byte[BitConverter.ToInt64(length)];
        stream.ReadExactly(header);
        return System.Text.Encoding.UTF8.GetString(header);
    }
}
