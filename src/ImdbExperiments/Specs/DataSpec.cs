namespace ImdbExperiments.Specs;

/// <summary>The data section: source archive, verification, deduplication and splits.</summary>
public sealed record DataSpec
{
    public const string ImdbUrl = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
    public const string ImdbSha256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";

    [SpecKey("source"), SpecDoc("imdb: the Maas et al. archive; synthetic: generated reviews for tests and smoke runs.")]
    public DataSource Source { get; init; } = DataSource.Imdb;

    [SpecKey("url"), SpecPattern(SpecPatterns.HttpUrl, SpecPatterns.HttpUrlDescription)]
    [SpecDoc("Where the archive is downloaded from.")]
    public string Url { get; init; } = ImdbUrl;

    [SpecKey("mirrors"), SpecPattern(SpecPatterns.HttpUrl, SpecPatterns.HttpUrlDescription)]
    [SpecDoc("Tried in order after url.")]
    public IReadOnlyList<string> Mirrors { get; init; } = [];

    [SpecKey("sha256"), SpecPattern("^[0-9a-fA-F]{64}$", "64 hex digits")]
    [SpecDoc("Expected SHA-256 of the archive. null = the official archive's hash (" + ImdbSha256 + ") when downloading from the official url, and no check for a local archive or another url; the hash is recorded either way.")]
    public string? Sha256 { get; init; }

    /// <summary>The hash a download or local archive is checked against, if any (see <see cref="Sha256"/>).</summary>
    public string? ExpectedSha256(bool localArchive) =>
        Sha256?.ToLowerInvariant() ?? (!localArchive && Url == ImdbUrl ? ImdbSha256 : null);

    [SpecKey("archive"), SpecPath]
    [SpecDoc("A local .tar.gz that replaces the download; relative to the spec file's folder.")]
    public string? Archive { get; init; }

    [SpecKey("partial"), SpecDoc("Accept an archive with other than 12,500 reviews per split and label.")]
    public bool Partial { get; init; }

    [SpecKey("dedupe"), SpecDoc("Remove duplicate review texts within each split or across splits.")]
    public DedupeMode Dedupe { get; init; } = DedupeMode.None;

    [SpecKey("validation_fraction"), SpecRange(Min = 0, Max = 1, MinExclusive = true, MaxExclusive = true)]
    [SpecDoc("Fraction of the training split held out for validation.")]
    public double ValidationFraction { get; init; } = 0.1;

    [SpecKey("stratify"), SpecDoc("Keep the label balance the same in train and validation.")]
    public bool Stratify { get; init; } = true;

    [SpecKey("limit"), SpecDoc("Subsample each split to at most this many reviews.")]
    public LimitSpec Limit { get; init; } = new();

    [SpecKey("synthetic"), SpecDoc("Generated reviews, used when source is synthetic.")]
    public SyntheticSpec Synthetic { get; init; } = new();

    [SpecKey("split_method")]
    [SpecDoc("stratified: seeded per-label split (stratify applies); datasets: the rows Hugging Face datasets' train_test_split(test_size=validation_fraction, seed=seed) picks, over the train reviews in canonical order.")]
    public SplitMethod SplitMethod { get; init; } = SplitMethod.Stratified;
}
