using System.Text.Json.Nodes;
using ImdbExperiments.Data;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Tests.Stages;

/// <summary>The split summary counts rows per label for any number of labels, beside the two-label counts old readers use.</summary>
public sealed class SplitSummaryTests : IDisposable
{
    readonly PipelineFixture fixture = new();

    [Fact]
    public void SplitLabelCounts_CountEveryClassByName_EmptyClassesIncluded()
    {
        var reviews = new[] { 0, 2, 2, 0, 2 }.Select((label, i) => new Review($"train/{i}", ReviewSplit.Train, label, 0, "text")).ToList();

        var counts = SplitLabelCounts.ByName(reviews, ["bug", "feature", "question"]);

        Assert.Equal(new Dictionary<string, int> { ["bug"] = 2, ["feature"] = 0, ["question"] = 3 }, counts);
        Assert.Equal(["bug", "feature", "question"], counts.Keys);
    }

    [Fact]
    public void SplitLabelCounts_UseClassIds_WhenNamesRepeatOrDoNotNameEveryClass()
    {
        var reviews = new[] { 0, 1, 2 }.Select((label, i) => new Review($"train/{i}", ReviewSplit.Train, label, 0, "text")).ToList();

        Assert.Equal(new Dictionary<string, int> { ["0"] = 1, ["1"] = 1, ["2"] = 1 }, SplitLabelCounts.ByName(reviews, ["a", "a", "b"]));
        Assert.Equal(new Dictionary<string, int> { ["0"] = 1, ["1"] = 1, ["2"] = 1 }, SplitLabelCounts.ByName(reviews, ["a", "b"]));
    }

    [Fact]
    public void Split_SummaryCountsRowsPerLabel_BesideNegativeAndPositive()
    {
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);

        var (split, log) = fixture.Run("split", spec);

        var summary = SplitStage.ReadSummary(split);
        foreach (var part in new[] { summary.Train, summary.Validation, summary.Test })
        {
            Assert.Equal(new Dictionary<string, int> { ["NEGATIVE"] = part.Negative, ["POSITIVE"] = part.Positive }, part.Labels);
            Assert.Equal(part.Count, part.Negative + part.Positive);
        }
        Assert.True(summary.Train.Negative > 0 && summary.Train.Positive > 0);
        // The manifest keeps the shape old readers know: negative and positive per part, with labels beside them.
        var train = split.Manifest.Summary["train"]!.AsObject();
        Assert.Equal(summary.Train.Negative, (int)train["negative"]!);
        Assert.Equal(summary.Train.Positive, (int)train["positive"]!);
        Assert.Equal(summary.Train.Negative, (int)train["labels"]!["NEGATIVE"]!);
        Assert.Contains($"train by label NEGATIVE {summary.Train.Negative} POSITIVE {summary.Train.Positive}", log, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_SummaryOfACacheBuiltBeforeLabelCounts_ReadsWithoutLabels()
    {
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        var (split, _) = fixture.Run("split", spec);
        var old = split.Manifest.Summary.DeepClone().AsObject();
        foreach (var part in new[] { "train", "validation", "test" }) old[part]!.AsObject().Remove("labels");
        split.Manifest.Summary.Clear();
        foreach (var (name, value) in old) split.Manifest.Summary[name] = value?.DeepClone();

        var summary = SplitStage.ReadSummary(split);

        Assert.Null(summary.Train.Labels);
        Assert.DoesNotContain("by label", new SplitStage().Describe(split), StringComparison.Ordinal);
    }

    public void Dispose() => fixture.Dispose();
}
