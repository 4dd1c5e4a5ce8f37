using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SpecExtendsTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void ExtendsChain_MergesMappings_ChildWins_ListsReplaced_OverridesWinOverAll()
    {
        folder.Write("shared/base.yaml", SpecFolder.Minimal + """
            seed: 1
            data:
              archive: imdb.tar.gz
              mirrors: [https://a.example/x.tar.gz, https://b.example/x.tar.gz]
            training:
              learning_rate: 1e-4
              batch_size: 32
              epochs: 2
            tracking:
              tags: {team: nlp, owner: base}
            """);
        folder.Write("shared/mid.yaml", """
            extends: base.yaml
            seed: 2
            data:
              mirrors: [https://c.example/x.tar.gz]
            training:
              batch_size: 16
            tracking:
              tags: {owner: mid}
            """);
        folder.Write("experiments/child.yaml", """
            extends: ../shared/mid.yaml
            training:
              epochs: 1.5
            """);

        var spec = folder.Load("experiments/child.yaml", "training.batch_size=8", "seed=3").Spec;

        Assert.Equal("child", spec.Name);
        Assert.Equal(3, spec.Seed);
        Assert.Equal(8, spec.Training.BatchSize);
        Assert.Equal(1e-4, spec.Training.LearningRate);
        Assert.Equal(1.5, spec.Training.Epochs);
        Assert.Equal(["https://c.example/x.tar.gz"], spec.Data.Mirrors);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "mid", ["team"] = "nlp" }, spec.Tracking.Tags);
        Assert.Equal(Path.Combine(folder.Root, "shared/imdb.tar.gz"), spec.Data.Archive);
        Assert.Equal("bert-base-uncased", spec.Model.Name);
    }

    [Fact]
    public void ExtendsCycle_IsAnError_ListingTheChain()
    {
        folder.Write("a.yaml", SpecFolder.Minimal + "extends: b.yaml\n");
        folder.Write("b.yaml", "seed: 1\nextends: a.yaml\n");

        var error = folder.LoadFails("a.yaml");

        Assert.Equal("b.yaml", Path.GetFileName(error.File));
        Assert.Equal((2, 10), (error.Line, error.Column));
        Assert.Equal("b.yaml:2:10: extends: extends cycle: a.yaml -> b.yaml -> a.yaml", error.Message);
    }

    [Fact]
    public void SelfExtends_IsACycle()
    {
        folder.Write("a.yaml", "extends: ./a.yaml\n");

        var error = folder.LoadFails("a.yaml");

        Assert.Contains("extends cycle: a.yaml -> a.yaml", error.Message);
    }

    [Fact]
    public void MissingExtendsFile_NamesTheExtendsLine()
    {
        folder.Write("experiments/x.yaml", "# tuned\nextends: base.yaml\n" + SpecFolder.Minimal);

        var error = folder.LoadFails("experiments/x.yaml");

        Assert.Equal((2, 10), (error.Line, error.Column));
        Assert.Equal("extends", error.Key);
        Assert.Equal("experiments/x.yaml:2:10: extends: file not found: experiments/base.yaml", error.Message);
    }

    [Fact]
    public void MissingSpecFile_IsASpecError()
    {
        var error = folder.LoadFails("nope.yaml");

        Assert.Contains("spec file not found: nope.yaml", error.Message);
    }

    [Fact]
    public void ChildCanRemoveAnInheritedSweep()
    {
        folder.Write("base.yaml", SpecFolder.Minimal + "sweep:\n  parameters:\n    training.learning_rate: [1e-5, 2e-5]\n");
        folder.Write("x.yaml", "extends: base.yaml\nsweep: null\n");

        Assert.NotNull(folder.Load("base.yaml").Spec.Sweep);
        Assert.Null(folder.Load("x.yaml").Spec.Sweep);
    }
}
