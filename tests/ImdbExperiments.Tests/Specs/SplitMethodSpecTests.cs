using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SplitMethodSpecTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void SplitMethod_DefaultsToStratified_AndAcceptsDatasets()
    {
        folder.Write("a.yaml", SpecFolder.Minimal);
        folder.Write("b.yaml", SpecFolder.Minimal + "data:\n  split_method: datasets\n");

        Assert.Equal(SplitMethod.Stratified, folder.Load("a.yaml").Spec.Data.SplitMethod);
        Assert.Equal(SplitMethod.Datasets, folder.Load("b.yaml").Spec.Data.SplitMethod);
    }

    [Fact]
    public void SplitMethod_UnknownValueNamesFileKeyValueAndAllowedValues()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "data:\n  split_method: sklearn\n");

        var error = folder.LoadFails("x.yaml");

        Assert.Equal(["stratified", "datasets"], error.Allowed);
        Assert.Equal("x.yaml:4:17: data.split_method: expected one of stratified, datasets, got 'sklearn'", error.Message);
    }
}
