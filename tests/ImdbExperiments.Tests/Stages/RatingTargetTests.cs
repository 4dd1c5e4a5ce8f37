using ImdbExperiments.Data;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Tests.Stages;

public sealed class RatingTargetTests
{
    static string RatingSpec => PipelineFixture.SyntheticSpec.Replace("  source: synthetic", "  source: synthetic\n  target: rating");

    [Fact]
    public void RatingTarget_GivesEightLabelsNamedByTheStars_AndEachReviewItsRatingsClass()
    {
        using var fixture = new PipelineFixture();

        var ingest = fixture.Run("ingest", fixture.WriteSpec(RatingSpec)).Output;

        Assert.Equal(["1", "2", "3", "4", "7", "8", "9", "10"], IngestStage.Labels(ingest));
        var reviews = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName));
        Assert.All(reviews, r => Assert.Equal(Array.IndexOf(["1", "2", "3", "4", "7", "8", "9", "10"], r.Rating.ToString()), r.Label));
        Assert.Contains(reviews, r => r.Label >= 4);
    }

    [Fact]
    public void RatingTarget_SplitsStratifiedByTheRatingClass()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(RatingSpec.Replace("  target: rating", "  target: rating\n  validation_fraction: 0.25"));

        var split = fixture.Run("split", spec).Output;
        var ingest = fixture.Run("ingest", spec).Output;

        var byId = ReviewFile.Read(ingest.PathOf(IngestStage.ReviewsFileName)).ToDictionary(r => r.Id);
        var train = File.ReadAllLines(split.PathOf(SplitFiles.TrainFileName)).Select(id => byId[id]).ToArray();
        var validation = File.ReadAllLines(split.PathOf(SplitFiles.ValidationFileName)).Select(id => byId[id]).ToArray();
        // Per class, validation takes round(0.25 x the class's train reviews): each class is carved on its own.
        foreach (var group in train.Concat(validation).GroupBy(r => r.Label))
            Assert.Equal((int)Math.Round(0.25 * group.Count(), MidpointRounding.AwayFromZero), validation.Count(r => r.Label == group.Key));
    }

    [Fact]
    public void DefaultTarget_KeepsTheIngestKey_AndTheSentimentLabels()
    {
        using var fixture = new PipelineFixture();
        var sentiment = fixture.Run("ingest", fixture.WriteSpec(PipelineFixture.SyntheticSpec)).Output;
        var explicitLabel = fixture.Run("ingest", fixture.WriteSpec(PipelineFixture.SyntheticSpec.Replace("  source: synthetic", "  source: synthetic\n  target: label"), "label.yaml")).Output;
        var rating = fixture.Run("ingest", fixture.WriteSpec(RatingSpec, "rating.yaml")).Output;

        Assert.Equal(sentiment.Key, explicitLabel.Key);
        Assert.NotEqual(sentiment.Key, rating.Key);
        Assert.Equal(["NEGATIVE", "POSITIVE"], IngestStage.Labels(sentiment));
    }

    [Fact]
    public void RatingTarget_WithTableFiles_IsASpecErrorNamingTheKey()
    {
        using var fixture = new PipelineFixture();
        var path = fixture.WriteSpec("name: t\ndata:\n  source: files\n  files:\n    train: t.csv\n  target: rating\nmodel:\n  init: random\n");

        var error = Assert.Throws<SpecException>(() => SpecLoader.Load(path, [], fixture.Root));

        Assert.Equal("experiment.yaml:6:3: data.target: 'rating' needs the IMDb archive's star ratings, but data.source is files; " +
            "set data.target to label, or data.source to imdb or synthetic", error.Message);
    }
}
