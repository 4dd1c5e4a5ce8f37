namespace ImdbExperiments.Data;

/// <summary>
/// One labelled IMDb review. <paramref name="Id"/> is "{split}/{pos|neg}/{number}" (e.g. "train/pos/123"),
/// <paramref name="Label"/> is <see cref="Negative"/> or <see cref="Positive"/>, <paramref name="Rating"/> is the
/// star rating from the file name (1-4 or 7-10), <paramref name="Text"/> is the file's text, verbatim. With another
/// label set (a table's labels, data.target: rating) <paramref name="Label"/> is the class id, 0 to <see cref="MaxLabels"/> - 1.
/// </summary>
public sealed record Review(string Id, ReviewSplit Split, int Label, int Rating, string Text)
{
    public const int Negative = 0;
    public const int Positive = 1;

    /// <summary>The most classes a label set may have: a token file stores each label in one byte.</summary>
    public const int MaxLabels = 256;
}
