namespace ImdbExperiments.Data;

/// <summary>
/// What ingest does with reviews whose text is byte-for-byte identical to another review's.
/// "First" always means first in the canonical order: split (train, test), label (negative, positive), numeric id.
/// </summary>
public enum DedupeMode
{
    /// <summary>Keep every review (the dataset as published; duplicates are only counted).</summary>
    None = 0,

    /// <summary>Within each official split, keep the first review of each identical text and drop the others;
    /// a text that occurs once in train and once in test keeps both copies.</summary>
    WithinSplit = 1,

    /// <summary><see cref="WithinSplit"/>, and also drop every train review whose text occurs in test, so no test text
    /// is ever trained on. Test itself is only deduplicated within itself, so it stays comparable with published results.</summary>
    AcrossSplits = 2,
}
