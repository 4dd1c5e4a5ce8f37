using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Data.NumpyRandom;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Tests.Stages;

public sealed class SplitStageMethodTests : IDisposable
{
    private readonly PipelineFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [Fact]
    public void Split_DatasetsMethodWritesPermutationHeadAndRecordsMethodAndSeed()
    {
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec.Replace("  source: synthetic", "  source: synthetic\n  split_method: datasets", StringComparison.Ordinal));

        var (output, _) = fixture.Run("split", spec);

        var summary = output.Manifest.Summary;
        Assert.Equal("datasets", (string?)summary["method"]);
        Assert.Equal(7, (int?)summary["seed"]);
        var ingest = fixture.Run("ingest", spec).Output;
        var train = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName)).Where(r => r.Split == ReviewSplit.Train).ToArray();
        var permutation = NumpyGenerator.DefaultRng(7).Permutation(train.Length);
        int validationCount = (int)Math.Ceiling(0.1 * train.Length);
        Assert.Equal(
            permutation.Take(validationCount).Select(i => train[i].Id),
            File.ReadAllLines(output.PathOf(SplitFiles.ValidationFileName)));
    }

    [Fact]
    public void Split_DefaultMethodKeepsTheKeyItHadBeforeSplitMethodExisted()
    {
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        var context = new PipelineContext
        {
            Spec = SpecLoader.Load(spec, [], fixture.Root),
            Cache = new StageCache(Path.Combine(fixture.Artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = fixture.Artifacts,
        };

        var inputs = new SplitStage().Inputs(context)!.ToJsonString();

        Assert.Equal(context.Spec.Subset("seed", "data.validation_fraction", "data.stratify", "data.limit"), inputs);
        Assert.DoesNotContain("split_method", inputs, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_DatasetsMethodIsAnotherCacheEntryThanTheDefault()
    {
        var stratified = fixture.WriteSpec(PipelineFixture.SyntheticSpec, "a.yaml");
        var datasets = fixture.WriteSpec(PipelineFixture.SyntheticSpec.Replace("  source: synthetic", "  source: synthetic\n  split_method: datasets", StringComparison.Ordinal), "b.yaml");

        var a = fixture.Run("split", stratified).Output;
        var b = fixture.Run("split", datasets).Output;

        Assert.NotEqual(a.Key, b.Key);
        Assert.Equal(2, fixture.Published("split").Count);
        Assert.Equal("stratified", (string?)a.Manifest.Summary["method"]);
    }
}
