using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class ExperimentLocatorTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void ExistingPath_IsUsedAsIs()
    {
        var path = folder.Write("specs/mine.yaml", SpecFolder.Minimal);

        Assert.Equal(path, ExperimentLocator.Resolve("specs/mine.yaml", folder.Root));
        Assert.Equal(path, ExperimentLocator.Resolve(path, folder.Root));
    }

    [Fact]
    public void BareName_IsLookedUpInExperiments_WithOrWithoutExtension()
    {
        var path = folder.Write("experiments/bert-base.yaml", SpecFolder.Minimal);

        Assert.Equal(path, ExperimentLocator.Resolve("bert-base.yaml", folder.Root));
        Assert.Equal(path, ExperimentLocator.Resolve("bert-base", folder.Root));
    }

    [Fact]
    public void MissingExperiment_ListsTheAvailableOnes()
    {
        folder.Write("experiments/bert-base.yaml", SpecFolder.Minimal);
        folder.Write("experiments/sweeps/lr.yaml", SpecFolder.Minimal);
        folder.Write("experiments/notes.txt", "not a spec");

        var error = Assert.Throws<SpecException>(() => ExperimentLocator.Resolve("bert-bas", folder.Root));

        Assert.Equal(["bert-base.yaml", "sweeps/lr.yaml"], error.Allowed);
        Assert.Contains("'bert-bas' not found (tried bert-bas, experiments/bert-bas, experiments/bert-bas.yaml, experiments/bert-bas.yml).", error.Message);
        Assert.Contains("Did you mean 'bert-base'?", error.Message);
        Assert.EndsWith("Available experiments: bert-base.yaml, sweeps/lr.yaml", error.Message);
    }
}
