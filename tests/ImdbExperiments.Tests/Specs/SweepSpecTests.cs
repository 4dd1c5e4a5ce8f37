using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SweepSpecTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    private SpecException SweepFails(string sweep)
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "sweep:\n" + sweep);
        return folder.LoadFails("x.yaml");
    }

    [Fact]
    public void GridSweep_BindsTypedValues_SortedByKey()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + """
            sweep:
              parameters:
                training.learning_rate: [1e-5, 0.00003]
                model.name: [bert-base-uncased, "1234"]
                data.limit.train: [100, null]
              metric: validation/roc_auc
              goal: minimize
            """);

        var sweep = folder.Load("x.yaml").Spec.Sweep!;

        Assert.Equal(SweepMethod.Grid, sweep.Method);
        Assert.Equal(["data.limit.train", "model.name", "training.learning_rate"], sweep.Parameters.Select(p => p.Key));
        Assert.Equal(["100", "null"], sweep.Parameters[0].Values);
        Assert.Equal(["\"bert-base-uncased\"", "\"1234\""], sweep.Parameters[1].Values);
        Assert.Equal(["1E-05", "3E-05"], sweep.Parameters[2].Values);
        Assert.Equal("validation/roc_auc", sweep.Metric);
        Assert.Equal(SweepGoal.Minimize, sweep.Goal);
    }

    [Fact]
    public void ListSweep_BindsEachTrial()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + """
            sweep:
              method: list
              list:
                - {training.learning_rate: 1e-5, training.batch_size: 8}
                - {tokenizer.truncation: head+tail}
            """);

        var trials = folder.Load("x.yaml").Spec.Sweep!.List;

        Assert.Equal(2, trials.Count);
        Assert.Equal(new Dictionary<string, string> { ["training.batch_size"] = "8", ["training.learning_rate"] = "1E-05" }, trials[0]);
        Assert.Equal("\"head+tail\"", trials[1]["tokenizer.truncation"]);
    }

    [Fact]
    public void UnknownSweptKey_SuggestsTheNearestSpecKey()
    {
        var error = SweepFails("  parameters:\n    training.learnin_rate: [1e-5]\n");

        Assert.Equal((5, 5), (error.Line, error.Column));
        Assert.Equal("sweep.parameters.training.learnin_rate", error.Key);
        Assert.Contains("unknown spec key 'training.learnin_rate'. Did you mean 'training.learning_rate'?", error.Message);
    }

    [Fact]
    public void SweepingASection_OrTheSweepItself_IsAnError()
    {
        var error = SweepFails("  parameters:\n    data.limit: [{train: 10}]\n    sweep.goal: [minimize]\n");

        Assert.Contains("'data.limit' is a section; sweep one of its keys, e.g. 'data.limit.train'", error.Errors[0].Message);
        Assert.Contains("the sweep section itself cannot be swept", error.Errors[1].Message);
    }

    [Fact]
    public void EverySweptValue_IsCheckedAgainstItsKey()
    {
        var error = SweepFails("  parameters:\n    training.batch_size: [8, 0, big]\n    training.lr_scheduler: [linear, cosin]\n");

        Assert.Equal(
            ["sweep.parameters.training.batch_size[1]", "sweep.parameters.training.batch_size[2]", "sweep.parameters.training.lr_scheduler[1]"],
            error.Errors.Select(e => e.Key));
        Assert.Contains("x.yaml:5:30: sweep.parameters.training.batch_size[1]: expected an integer 1..4096, got '0'", error.Message);
        Assert.Contains("Did you mean 'cosine'?", error.Message);
    }

    [Fact]
    public void RandomSweep_RequiresTrials()
    {
        var error = SweepFails("  method: random\n  parameters:\n    training.learning_rate: {distribution: uniform, min: 1e-5, max: 1e-4}\n");

        Assert.Equal("sweep.trials", error.Key);
        Assert.Contains("required with method: random", error.Message);
    }

    [Fact]
    public void ListSweep_RequiresTheList_AndRejectsParameters()
    {
        var error = SweepFails("  method: list\n  parameters:\n    training.epochs: [1, 2]\n");

        Assert.Equal(["sweep.list", "sweep.parameters"], error.Errors.Select(e => e.Key));
        Assert.Contains("method: list needs at least one trial in sweep.list", error.Message);
    }

    [Fact]
    public void Distributions_AreOnlyForRandom()
    {
        var error = SweepFails("  parameters:\n    training.learning_rate: {distribution: log_uniform, min: 1e-5, max: 1e-4}\n");

        Assert.Equal("sweep.parameters.training.learning_rate", error.Key);
        Assert.Contains("distributions are only used with methods random and tpe", error.Message);
    }

    [Fact]
    public void DistributionBounds_AreChecked()
    {
        var error = SweepFails("""
              method: random
              trials: 4
              parameters:
                training.learning_rate: {distribution: log_uniform, min: 0, max: 1e-4}
                training.warmup_ratio: {distribution: uniform, min: 0.5, max: 0.1}
                training.batch_size: {distribution: uniform, min: 1, max: 5000}
                training.lr_scheduler: {distribution: uniform, min: 1, max: 2}
                training.epochs: {distribution: choice}
                training.weight_decay: {distrib: choice, values: [0.0]}
            """);

        Assert.Equal(
            [
                "sweep.parameters.training.learning_rate.min",
                "sweep.parameters.training.warmup_ratio.max",
                "sweep.parameters.training.batch_size.max",
                "sweep.parameters.training.lr_scheduler.distribution",
                "sweep.parameters.training.epochs.values",
                "sweep.parameters.training.weight_decay.distrib",
            ],
            error.Errors.Select(e => e.Key));
        Assert.Contains("must lie in the range of training.learning_rate: 0 < x <= 1", error.Message);
        Assert.Contains("must be greater than min (0.5)", error.Message);
        Assert.Contains("uniform samples numbers, but training.lr_scheduler is enum", error.Message);
        Assert.Contains("Did you mean 'distribution'?", error.Message);
    }

    [Fact]
    public void GridTrials_ThatBreakACrossKeyRule_FailAtLoad()
    {
        var error = SweepFails("  parameters:\n    tokenizer.truncation: [head, head+tail]\n    tokenizer.max_length: [512, 64]\n");

        Assert.Equal("sweep.parameters", error.Key);
        Assert.Equal((4, 3), (error.Line, error.Column));
        Assert.Contains("the trial {tokenizer.max_length=64, tokenizer.truncation=\"head+tail\"} is invalid: tokenizer.head_tokens: with truncation: head+tail", error.Message);
        Assert.Single(error.Errors);
    }

    [Fact]
    public void ListTrials_ThatBreakACrossKeyRule_FailAtLoad_PointingAtTheTrial()
    {
        var error = SweepFails("  method: list\n  list:\n    - {training.epochs: 1}\n    - {model.path: models/tiny}\n");

        Assert.Equal("sweep.list[1]", error.Key);
        Assert.Equal((7, 7), (error.Line, error.Column));
        Assert.Contains("sweep.list[1]: the trial {model.path=", error.Message);
        Assert.Contains("is invalid: model: exactly one model source may be set", error.Message);
    }

    [Fact]
    public void SweepMetric_MustBeAValidationMetric()
    {
        var error = SweepFails("  parameters:\n    training.epochs: [1]\n  metric: validation/f2\n");

        Assert.Equal("sweep.metric", error.Key);
        Assert.Contains("expected one of validation/accuracy, validation/precision, validation/recall, validation/f1, validation/roc_auc, validation/loss, got 'validation/f2'. Did you mean 'validation/f1'?", error.Message);
    }
}
