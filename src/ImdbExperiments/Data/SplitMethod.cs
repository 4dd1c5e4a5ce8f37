namespace ImdbExperiments.Data;

/// <summary>How <see cref="DatasetSplitter"/> picks validation out of the official train split.</summary>
public enum SplitMethod
{
    /// <summary>Seeded Fisher-Yates per label over the canonical order (<see cref="DeterministicRandom"/>), round(fraction * n) per pool.</summary>
    Stratified = 0,

    /// <summary>
    /// As Hugging Face <c>datasets.Dataset.train_test_split(test_size=fraction, seed=seed)</c> over the train rows in
    /// canonical order: validation = <c>np.random.default_rng(seed).permutation(n)[:ceil(fraction * n)]</c>, train the rest.
    /// </summary>
    Datasets = 1,
}
