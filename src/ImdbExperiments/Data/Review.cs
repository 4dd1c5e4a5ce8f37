namespace ImdbExperiments.Data;

/// <summary>
/// One labelled IMDb review. <paramref name="Id"/> is "{split}/{pos|neg}/{number}" (e.g. "train/pos/123"),
/// <paramref name="Label"/> is <see cref="Negative"/> or <see cref="Positive"/>, <paramref name="Rating"/> is the
/// star rating from the file name (1-4 or 7-10), <paramref name="Text"/> is the file's text, verbatim.
/// </summary>
public sealed record Review(string Id, ReviewSplit Split, int Label, int Rating, string Text)
{
    public const int Negative = 0;
    public const int Positive = 1;
}
