namespace ImdbExperiments.Data;

/// <summary>
/// How to ingest an archive. <paramref name="Partial"/> accepts any number of reviews per split and label
/// (for synthetic or trimmed archives); otherwise exactly <see cref="ImdbIngester.ReviewsPerSplitAndLabel"/> each are required.
/// <paramref name="RatingTarget"/> writes each review's star rating as its class (<see cref="ImdbIngester.RatingLabels"/>) instead of its sentiment.
/// </summary>
public sealed record IngestOptions(DedupeMode Dedupe = DedupeMode.None, bool Partial = false, bool RatingTarget = false)
{
    public static IngestOptions Default { get; } = new();
}
