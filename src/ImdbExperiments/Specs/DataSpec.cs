namespace ImdbExperiments.Specs;

/// <summary>The data section: source archive, verification, deduplication and splits.</summary>
public sealed record DataSpec
{
    public const string ImdbUrl = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";
    public const string ImdbSha256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe";

    [SpecKey("source"), SpecDoc("imdb: the Maas et al. archive; synthetic: generated reviews for tests and smoke runs; files: your own table files (data.files); hub: a Hugging Face Hub dataset's Parquet files, as load_dataset(data.dataset, data.config, revision=data.revision) reads them.")]
    public DataSource Source { get; init; } = DataSource.Imdb;

    // data.source: files — one block, read by fetch and ingest (Data/TableFiles/).
    [SpecKey("files"), SpecDoc("Your own labelled table files, used when source is files.")]
    public TableFilesSpec Files { get; init; } = new();

    // data.source: hub — read by fetch and ingest (Data/Hub/, Modeling/Hub/).
    [SpecKey("dataset"), SpecPattern(HubSplitsSpec.DatasetId, HubSplitsSpec.DatasetIdDescription)]
    [SpecDoc("Hugging Face Hub dataset id, used when source is hub.")]
    public string Dataset { get; init; } = "stanfordnlp/imdb";

    [SpecKey("revision"), SpecPattern(SpecPatterns.HubRevision, SpecPatterns.HubRevisionDescription)]
    [SpecDoc("Branch, tag or 40-hex commit of data.dataset; pin a commit for reproducibility (a branch that moves rebuilds fetch and everything after it).")]
    public string Revision { get; init; } = "main";

    [SpecKey("config"), SpecPattern(SpecPatterns.Name, SpecPatterns.NameDescription)]
    [SpecDoc("Config of data.dataset: a config_name of the configs in its README, or default for a repo without them.")]
    public string Config { get; init; } = "plain_text";

    [SpecKey("splits"), SpecDoc("The dataset's splits read as train and test, used when source is hub.")]
    public HubSplitsSpec Splits { get; init; } = new();

    [SpecKey("format"), SpecDoc("Format of data.files; null = from the extension (.csv, .tsv, .jsonl or .ndjson, .parquet).")]
    public DataFormat? Format { get; init; }

    [SpecKey("text_column"), SpecPattern(TableFilesSpec.ColumnName, TableFilesSpec.ColumnNameDescription)]
    [SpecDoc("Column (CSV/TSV header, JSON key, Parquet field) holding the text.")]
    public string TextColumn { get; init; } = "text";

    [SpecKey("label_column"), SpecPattern(TableFilesSpec.ColumnName, TableFilesSpec.ColumnNameDescription)]
    [SpecDoc("Column holding the label: integers or strings; 2 to 256 distinct labels, class ids in sorted order (integers numerically, strings ordinally).")]
    public string LabelColumn { get; init; } = "label";

    [SpecKey("id_column"), SpecPattern(TableFilesSpec.ColumnName, TableFilesSpec.ColumnNameDescription)]
    [SpecDoc("Column holding a unique id; null = the 1-based record number (ids train/<n>, test/<n>).")]
    public string? IdColumn { get; init; }

    [SpecKey("test_fraction"), SpecRange(Min = 0, Max = 1, MinExclusive = true, MaxExclusive = true)]
    [SpecDoc("Without data.files.test: fraction of data.files.train carved out as the test split, stratified by label, from the seed.")]
    public double TestFraction { get; init; } = 0.2;

    [SpecKey("on_bad_row"), SpecDoc("error: a bad row stops ingest, naming file, row and column; skip: bad rows are dropped and counted.")]
    public BadRowPolicy OnBadRow { get; init; } = BadRowPolicy.Error;

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

    [SpecKey("target"), SpecDoc("label: the review's sentiment (negative, positive); rating: its star rating as 8 classes (1-4, 7-10), for source imdb or synthetic.")]
    public DataTarget Target { get; init; } = DataTarget.Label;

    [SpecKey("split_method")]
    [SpecDoc("stratified: seeded per-label split (stratify applies); datasets: the rows Hugging Face datasets' train_test_split(test_size=validation_fraction, seed=seed) picks, over the train reviews in the dataset's own order (row order for files and hub; negatives then positives by id for the archive).")]
    public SplitMethod SplitMethod { get; init; } = SplitMethod.Stratified;
}
