using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// The Parquet shards of the train and test splits at one commit, each list in the order datasets concatenates them, and
/// how they were found (<see cref="Rule"/>: the README's configs, or a default pattern).
/// </summary>
public sealed record HubDataFiles(string Commit, IReadOnlyList<HubRepoFile> Train, IReadOnlyList<HubRepoFile> Test, string Rule);
