using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SpecOverrideTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public SpecOverrideTests() => folder.Write("x.yaml", SpecFolder.Minimal);

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Set_ParsesValuesAsYaml_AndTypeChecksThem()
    {
        var spec = folder.Load("x.yaml",
            "training.learning_rate=3e-5",
            "training.max_steps=100",
            "training.max_grad_norm=null",
            "tokenizer.truncation=head+tail",
            "tokenizer.lowercase=false",
            "data.mirrors=[https://m.example/a.tar.gz]",
            "data.limit={train: 100, test: 50}",
            "description=tuned run",
            "tracking.tags.mlflow.note.content=tuned",
            "data.archive=archives/imdb.tar.gz").Spec;

        Assert.Equal(3e-5, spec.Training.LearningRate);
        Assert.Equal(100, spec.Training.MaxSteps);
        Assert.Null(spec.Training.MaxGradNorm);
        Assert.Equal(TruncationMode.HeadTail, spec.Tokenizer.Truncation);
        Assert.False(spec.Tokenizer.Lowercase);
        Assert.Equal(["https://m.example/a.tar.gz"], spec.Data.Mirrors);
        Assert.Equal((100, (int?)null, 50), (spec.Data.Limit.Train, spec.Data.Limit.Validation, spec.Data.Limit.Test));
        Assert.Equal("tuned run", spec.Description);
        Assert.Equal("tuned", spec.Tracking.Tags["mlflow.note.content"]);
        Assert.Equal(Path.Combine(folder.Root, "archives/imdb.tar.gz"), spec.Data.Archive);
    }

    [Fact]
    public void Set_LaterOverrideWins()
    {
        var spec = folder.Load("x.yaml", "seed=1", "seed=2").Spec;

        Assert.Equal(2, spec.Seed);
    }

    [Fact]
    public void Set_BadValue_NamesTheOverride()
    {
        var error = folder.LoadFails("x.yaml", "training.batch_size=abc");

        Assert.Equal("--set training.batch_size=abc: expected an integer 1..4096, got 'abc'", error.Message);
        Assert.Null(error.File);
        Assert.Equal("training.batch_size", error.Key);
        Assert.Equal("abc", error.Value);
    }

    [Fact]
    public void Set_UnknownKey_SuggestsTheNearest()
    {
        var error = folder.LoadFails("x.yaml", "training.learnin_rate=1e-5");

        Assert.StartsWith("--set training.learnin_rate=1e-5: unknown key. Did you mean 'learning_rate'? Allowed keys in training:", error.Message);
    }

    [Fact]
    public void Set_UnknownSection_SuggestsTheNearest()
    {
        var error = folder.LoadFails("x.yaml", "trainig.epochs=1");

        Assert.Equal("trainig", error.Key);
        Assert.Contains("Did you mean 'training'?", error.Message);
    }

    [Fact]
    public void Set_WithoutEquals_IsAnError()
    {
        var error = folder.LoadFails("x.yaml", "training.epochs");

        Assert.Contains("--set training.epochs: expected key=value", error.Message);
    }

    [Fact]
    public void Set_CannotSetExtends()
    {
        var error = folder.LoadFails("x.yaml", "extends=other.yaml");

        Assert.Contains("extends can only be set in a spec file", error.Message);
    }

    [Fact]
    public void Set_AddressesSweepParametersByDottedKey()
    {
        var spec = folder.Load("x.yaml",
            "sweep.method=random",
            "sweep.trials=4",
            "sweep.parameters.training.learning_rate.distribution=log_uniform",
            "sweep.parameters.training.learning_rate.min=1e-5",
            "sweep.parameters.training.learning_rate.max=1e-4",
            "sweep.parameters.training.batch_size=[8, 16]").Spec;

        var sweep = Assert.IsType<SweepSpec>(spec.Sweep);
        Assert.Equal(SweepMethod.Random, sweep.Method);
        Assert.Equal(["training.batch_size", "training.learning_rate"], sweep.Parameters.Select(p => p.Key));
        Assert.Equal(["8", "16"], sweep.Parameters[0].Values);
        Assert.Equal((SweepDistribution.LogUniform, 1e-5, 1e-4), (sweep.Parameters[1].Distribution, sweep.Parameters[1].Min, sweep.Parameters[1].Max));
    }

    [Fact]
    public void Set_SweepValueOfTheWrongType_NamesTheOverrideAndTheItem()
    {
        var error = folder.LoadFails("x.yaml", "sweep.parameters.training.learning_rate=[1e-5, fast]");

        Assert.Equal("--set sweep.parameters.training.learning_rate=[1e-5, fast]: sweep.parameters.training.learning_rate[1]: expected a number 0 < x <= 1, got 'fast'", error.Message);
    }
}
