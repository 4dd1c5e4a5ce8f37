using System.Globalization;
using ImdbExperiments.Modeling.Hub;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// Which files make a split, as datasets resolves a Hub repo without a loading script (load.py
/// HubDatasetModuleFactory, data_files.py). The subset read here: (1) the card's <c>configs:</c> → the config's data_files
/// patterns; (2) without configs, the only config is <c>default</c> (or, our extension, a folder of that name, read as
/// load_dataset's data_dir) and its splits are found by datasets' default patterns: <c>data/{split}-NNNNN-of-NNNNN*.*</c>
/// first, then the split keyword as a folder name, then in a file name. Shards are concatenated in pattern order, each
/// pattern's matches sorted. Only Parquet shards are read; anything else is refused with one line.
/// </summary>
internal static class HubDataFilesResolver
{
    public const string CardFileName = "README.md";
    public const string DefaultConfig = "default";

    // data_files.py SPLIT_KEYWORDS, NON_WORDS_CHARS and the fsspec ≥ 2023.12 base patterns.
    static readonly Dictionary<string, string[]> SplitKeywords = new(StringComparer.Ordinal)
    {
        ["train"] = ["train", "training"],
        ["validation"] = ["validation", "valid", "dev", "val"],
        ["test"] = ["test", "testing", "eval", "evaluation"],
    };
    const string Sep = "[-._ 0-9]";
    static readonly string[] InDirectoryName = ["**/{0}/**", "**/{0}" + Sep + "*/**", "**/*" + Sep + "{0}/**", "**/*" + Sep + "{0}" + Sep + "*/**"];
    static readonly string[] InFileName = ["**/{0}" + Sep + "*", "**/*" + Sep + "{0}" + Sep + "*"];
    const string ShardedPattern = "data/{0}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*";

    public static HubDataFiles Resolve(HubRepoListing listing, string? card, HubDatasetRequest request)
    {
        var where = $"{request} (commit {listing.Commit})";
        var paths = listing.Files.Select(f => f.Path).ToArray();
        var configs = HubDatasetCard.Configs(card, $"{where}: {CardFileName}");

        IReadOnlyList<string> Select(IEnumerable<string> patterns) =>
            [.. patterns.SelectMany(p => new HubGlob(p).Match(paths)).Distinct(StringComparer.Ordinal)];

        string rule;
        IReadOnlyList<string> train, test;
        if (configs is not null)
        {
            if (!configs.TryGetValue(request.Config, out var splits))
                throw new InvalidDataException($"{where}: the dataset card declares no config '{request.Config}'; its configs are {Quote(configs.Keys)}. Set data.config to one of them.");
            IReadOnlyList<string> Split(string name) => splits.FirstOrDefault(s => s.Split == name) is { Patterns: { } patterns }
                ? Select(patterns)
                : throw new InvalidDataException($"{where}: config '{request.Config}' has no split '{name}'; its splits are {Quote(splits.Select(s => s.Split))}. Set data.splits.train / data.splits.test to them.");
            (train, test) = (Split(request.TrainSplit), Split(request.TestSplit));
            rule = $"{CardFileName} configs: {request.Config}";
        }
        else
        {
            var folder = request.Config == DefaultConfig ? "" : request.Config + "/";
            if (folder.Length > 0 && !paths.Any(p => p.StartsWith(folder, StringComparison.Ordinal)))
            {
                throw new InvalidDataException(
                    $"{where}: the repo's {CardFileName} declares no configs, so its only config is '{DefaultConfig}', and it has no folder '{request.Config}'; " +
                    $"its top-level entries are {Quote(paths.Select(p => p.Split('/')[0]).Distinct().Take(20))}. Set data.config to {DefaultConfig}.");
            }
            var inFolder = paths.Where(p => p.StartsWith(folder, StringComparison.Ordinal)).Select(p => p[folder.Length..]).ToArray();
            // As _get_data_files_patterns: the first group of patterns that finds any split is the group for every split.
            string[][] Groups(string split) =>
            [
                [string.Format(CultureInfo.InvariantCulture, ShardedPattern, split)],
                [.. Keywords(split).SelectMany(k => InDirectoryName.Select(p => string.Format(CultureInfo.InvariantCulture, p, k)))],
                [.. Keywords(split).SelectMany(k => InFileName.Select(p => string.Format(CultureInfo.InvariantCulture, p, k)))],
            ];
            var (trainGroups, testGroups) = (Groups(request.TrainSplit), Groups(request.TestSplit));
            int group = Enumerable.Range(0, trainGroups.Length).FirstOrDefault(
                g => trainGroups[g].Concat(testGroups[g]).Any(p => new HubGlob(p).Match(inFolder).Any()), -1);
            string[] Under(string[] patterns) => [.. patterns.Select(p => folder + p)];
            (train, test) = group < 0 ? ([], []) : (Select(Under(trainGroups[group])), Select(Under(testGroups[group])));
            var trainRule = group < 0 ? "no default pattern matched" : trainGroups[group][0];
            rule = $"default patterns{(folder.Length > 0 ? $" under {folder}" : "")} ({trainRule})";
        }

        foreach (var (role, split, files) in new[] { ("train", request.TrainSplit, train), ("test", request.TestSplit, test) })
        {
            if (files.Count == 0)
                throw new InvalidDataException($"{where}: no file of split '{split}' (data.splits.{role}) was found by {rule}; the repo has {Quote(paths.Take(20))}{(paths.Length > 20 ? ", ..." : "")}.");
            if (files.FirstOrDefault(f => !f.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) is { } other)
                throw new InvalidDataException($"{where}: split '{split}' includes '{other}', which is not a .parquet file; only Parquet shards are read from the Hub (convert the repo, or download it and use data.source: files).");
        }
        var byPath = listing.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        return new HubDataFiles(listing.Commit, [.. train.Select(p => byPath[p])], [.. test.Select(p => byPath[p])], rule);
    }

    static string[] Keywords(string split) => SplitKeywords.TryGetValue(split, out var keywords) ? keywords : [split];

    static string Quote(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Select(n => $"'{n}'")) : "none";
}
