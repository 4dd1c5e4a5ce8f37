using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SpecValidationTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void UnknownKey_NamesFileLineColumn_AndSuggestsTheNearestKey()
    {
        folder.Write("experiments/x.yaml", SpecFolder.Minimal + "training:\n  batch_size: 8\n  learnin_rate: 3e-5\n");

        var error = folder.LoadFails("experiments/x.yaml");

        Assert.Equal(Path.Combine(folder.Root, "experiments/x.yaml"), error.File);
        Assert.Equal((5, 3), (error.Line, error.Column));
        Assert.Equal("training.learnin_rate", error.Key);
        Assert.Equal("learnin_rate", error.Value);
        Assert.Contains("learning_rate", error.Allowed);
        Assert.StartsWith("experiments/x.yaml:5:3: training.learnin_rate: unknown key. Did you mean 'learning_rate'? Allowed keys in training: epochs, max_steps,", error.Message);
    }

    [Fact]
    public void UnknownTopLevelKey_SuggestsExtends()
    {
        folder.Write("x.yaml", "extend: base.yaml\n" + SpecFolder.Minimal);

        var error = folder.LoadFails("x.yaml");

        Assert.Contains("Did you mean 'extends'?", error.Message);
        Assert.Contains("Allowed keys at the top level: extends, name,", error.Message);
    }

    [Fact]
    public void WrongType_SaysWhatWasExpectedAndWhatWasGiven()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "training:\n  batch_size: abc\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("x.yaml:4:15: training.batch_size: expected an integer 1..4096, got 'abc'", error.Message);
        Assert.Equal("abc", error.Value);
        Assert.Equal(["1..4096"], error.Allowed);
    }

    [Fact]
    public void QuotedNumber_IsAStringAndRejected()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "seed: \"7\"\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Contains("seed: expected an integer 0..2147483647, got the quoted string '7' (remove the quotes)", error.Message);
    }

    [Fact]
    public void OutOfRange_GivesTheRange()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "training:\n  learning_rate: 2\n  warmup_ratio: 1\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(
            [
                "x.yaml:4:18: training.learning_rate: expected a number 0 < x <= 1, got '2'",
                "x.yaml:5:17: training.warmup_ratio: expected a number 0 <= x < 1, got '1'",
            ],
            error.Errors.Select(e => e.Message));
    }

    [Fact]
    public void BadEnumValue_ListsTheAllowedValues()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "training:\n  lr_scheduler: cosin\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(["linear", "cosine", "constant"], error.Allowed);
        Assert.Equal("x.yaml:4:17: training.lr_scheduler: expected one of linear, cosine, constant, got 'cosin'. Did you mean 'cosine'?", error.Message);
    }

    [Fact]
    public void EnumSpellings_FollowTheSchema()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "data:\n  dedupe: within-split\ntokenizer:\n  truncation: head+tail\ntraining:\n  metric_for_best: roc_auc\n");

        var spec = folder.Load("x.yaml").Spec;

        Assert.Equal(DedupeMode.WithinSplit, spec.Data.Dedupe);
        Assert.Equal(TruncationMode.HeadTail, spec.Tokenizer.Truncation);
        Assert.Equal(ValidationMetric.RocAuc, spec.Training.MetricForBest);
    }

    [Fact]
    public void EveryProblem_IsReported_OnePerLine()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "seed: -1\ndata:\n  url: ftp://example.org/a.tar.gz\n  limit:\n    train: 1\ntracking:\n  enabled: yes\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(["seed", "data.url", "data.limit.train", "tracking.enabled"], error.Errors.Select(e => e.Key));
        Assert.Equal(4, error.Message.Split(Environment.NewLine).Length);
        Assert.Contains("data.url: expected an http or https URL, got 'ftp://example.org/a.tar.gz'", error.Message);
        Assert.Contains("tracking.enabled: expected true or false, got 'yes'", error.Message);
    }

    [Fact]
    public void DuplicateKeys_AreAllReported_WithTheirPaths()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "training:\n  epochs: 1\n  epochs: 2\nseed: 1\nseed: 2\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(
            ["x.yaml:5:3: training.epochs: duplicate key (first set at line 4)", "x.yaml:7:1: seed: duplicate key (first set at line 6)"],
            error.Errors.Select(e => e.Message));
    }

    [Fact]
    public void InvalidYaml_NamesThePosition()
    {
        folder.Write("x.yaml", "training: [1, 2\nseed: 3\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("x.yaml", Path.GetFileName(error.File));
        Assert.True(error.Line > 0);
        Assert.Contains("invalid YAML", error.Message);
    }

    [Fact]
    public void NullForANonNullableKey_IsAnError()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "training:\n  batch_size:\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Contains("training.batch_size: expected an integer 1..4096, got null", error.Message);
    }

    [Fact]
    public void ModelSource_IsRequired()
    {
        folder.Write("x.yaml", "seed: 1\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("model", error.Key);
        Assert.Contains("no model source", error.Message);
    }

    [Fact]
    public void TwoModelSources_AreRejected_NamingWhereEachWasSet()
    {
        folder.Write("base.yaml", SpecFolder.Minimal);
        folder.Write("x.yaml", "extends: base.yaml\nmodel:\n  path: models/tiny\n");

        var error = folder.LoadFails("x.yaml", "model.init=random");

        Assert.Equal("model", error.Key);
        Assert.Contains("exactly one model source may be set, got name (base.yaml:2:3), path (x.yaml:3:3), init: random (--set model.init=random)", error.Message);
    }

    [Fact]
    public void InheritedModelSource_CanBeReplacedBySettingItToNull()
    {
        folder.Write("base.yaml", SpecFolder.Minimal);
        folder.Write("x.yaml", "extends: base.yaml\nmodel:\n  name: null\n  path: models/tiny\n");

        var spec = folder.Load("x.yaml").Spec;

        Assert.Null(spec.Model.Name);
        Assert.Equal(Path.Combine(folder.Root, "models/tiny"), spec.Model.Path);
    }

    [Fact]
    public void RandomModel_ShapeIsChecked()
    {
        folder.Write("x.yaml", "model:\n  init: random\n  random:\n    hidden_size: 65\n    max_position_embeddings: 128\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(["model.random.hidden_size", "model.random.max_position_embeddings"], error.Errors.Select(e => e.Key));
        Assert.Contains("65 is not divisible by num_attention_heads (2)", error.Message);
        Assert.Contains("128 is less than tokenizer.max_length (256)", error.Message);
    }

    [Fact]
    public void HeadTokens_MustLeaveRoomForTheTail()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "tokenizer:\n  max_length: 128\n  truncation: head+tail\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal("tokenizer.head_tokens", error.Key);
        Assert.Contains("head_tokens must be less than max_length - 2 (126), got 128", error.Message);
    }

    [Fact]
    public void Defaults_AreFilledIn()
    {
        folder.Write("experiments/bert-base.yaml", SpecFolder.Minimal);

        var spec = folder.Load("experiments/bert-base.yaml").Spec;

        Assert.Equal("bert-base", spec.Name);
        Assert.Equal(42, spec.Seed);
        Assert.Equal(DataSpec.ImdbUrl, spec.Data.Url);
        Assert.Null(spec.Data.Sha256);
        Assert.Equal(DataSpec.ImdbSha256, spec.Data.ExpectedSha256(localArchive: false));
        Assert.Null(spec.Data.ExpectedSha256(localArchive: true));
        Assert.Empty(spec.Data.Mirrors);
        Assert.Equal(0.1, spec.Data.ValidationFraction);
        Assert.Null(spec.Data.Limit.Train);
        Assert.Equal(200, spec.Data.Synthetic.ReviewsPerLabel);
        Assert.Equal("main", spec.Model.Revision);
        Assert.Equal(ModelInit.Pretrained, spec.Model.Init);
        Assert.Equal(8000, spec.Model.Random.VocabSizeLimit);
        Assert.Null(spec.Tokenizer.Lowercase);
        Assert.Equal(256, spec.Tokenizer.MaxLength);
        Assert.Equal(5e-5, spec.Training.LearningRate);
        Assert.Equal(1.0, spec.Training.MaxGradNorm);
        Assert.Equal(ValidationMetric.F1, spec.Training.MetricForBest);
        Assert.True(spec.Tracking.Enabled);
        Assert.Empty(spec.Tracking.Tags);
        Assert.Null(spec.Sweep);
    }

    [Fact]
    public void RelativePaths_ResolveAgainstTheDeclaringFile()
    {
        folder.Write("experiments/x.yaml", "model:\n  onnx: ../models/bert.onnx\n  vocab: vocab.txt\ndata:\n  archive: /data/imdb.tar.gz\n");

        var spec = folder.Load("experiments/x.yaml").Spec;

        Assert.Equal(Path.Combine(folder.Root, "models/bert.onnx"), spec.Model.Onnx);
        Assert.Equal(Path.Combine(folder.Root, "experiments/vocab.txt"), spec.Model.Vocab);
        Assert.Equal("/data/imdb.tar.gz", spec.Data.Archive);
    }
}
