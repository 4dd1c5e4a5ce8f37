using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// The <c>configs:</c> of a dataset card (README.md YAML front matter, huggingface_hub repocard.py): per config_name its
/// data_files as split → patterns, in datasets' three spellings (a list of {split, path}, a mapping split → path(s), or
/// path(s) for train alone; data_files.py sanitize_patterns).
/// </summary>
internal static partial class HubDatasetCard
{
    public const int MaxBytes = 1 << 20;

    /// <summary>config_name → split → patterns, in the card's order; null when the card has no configs (or there is no card).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(string Split, IReadOnlyList<string> Patterns)>>? Configs(string? readme, string where)
    {
        if (readme is null || FrontMatter().Match(readme) is not { Success: true } match)
            return null;
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(match.Groups["yaml"].Value));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{where}: the YAML header is not valid YAML ({e.Message}).");
        }
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root ||
            !root.Children.TryGetValue(new YamlScalarNode("configs"), out var configsNode))
            return null;
        if (configsNode is not YamlSequenceNode configs)
            throw new InvalidDataException($"{where}: 'configs' is not a list of {{config_name, data_files}}.");

        var result = new Dictionary<string, IReadOnlyList<(string, IReadOnlyList<string>)>>(StringComparer.Ordinal);
        foreach (var node in configs)
        {
            if (node is not YamlMappingNode config || Scalar(config, "config_name") is not { } name)
                throw new InvalidDataException($"{where}: an entry of 'configs' has no config_name.");
            if (!config.Children.TryGetValue(new YamlScalarNode("data_files"), out var files))
                throw new InvalidDataException($"{where}: config '{name}' has no data_files (configs that need a loading script or builder arguments are not read).");
            result[name] = DataFiles(files, $"{where}: config '{name}'");
        }
        return result;
    }

    static List<(string, IReadOnlyList<string>)> DataFiles(YamlNode node, string where)
    {
        switch (node)
        {
            case YamlScalarNode or YamlSequenceNode when node is not YamlSequenceNode { Children: [YamlMappingNode, ..] }:
                return [("train", Paths(node, where))];
            case YamlSequenceNode entries:
                var list = new List<(string, IReadOnlyList<string>)>();
                foreach (var entry in entries)
                {
                    if (entry is not YamlMappingNode map || map.Children.Count != 2 || Scalar(map, "split") is not { } split ||
                        !map.Children.TryGetValue(new YamlScalarNode("path"), out var path))
                        throw new InvalidDataException($"{where}: each data_files entry must be {{split: <name>, path: <pattern or list>}}.");
                    if (list.Any(e => e.Item1 == split))
                        throw new InvalidDataException($"{where}: split '{split}' appears twice in data_files.");
                    list.Add((split, Paths(path, where)));
                }
                return list;
            case YamlMappingNode map:
                return [.. map.Children.Select(p => (((YamlScalarNode)p.Key).Value ?? "", Paths(p.Value, where)))];
            default:
                throw new InvalidDataException($"{where}: data_files is neither a pattern, a list nor a mapping.");
        }
    }

    static IReadOnlyList<string> Paths(YamlNode node, string where) => node switch
    {
        YamlScalarNode { Value: { Length: > 0 } path } => [path],
        YamlSequenceNode items when items.All(i => i is YamlScalarNode { Value.Length: > 0 }) => [.. items.Cast<YamlScalarNode>().Select(i => i.Value!)],
        _ => throw new InvalidDataException($"{where}: a data_files path is neither a pattern nor a list of patterns."),
    };

    static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { Length: > 0 } text } ? text : null;

    // repocard.py REGEX_YAML_BLOCK: a "---" line, the YAML, a "---" line.
    [GeneratedRegex(@"\A\s*---[\r\n]+(?<yaml>[\S\s]*?)[\r\n]+---(\r\n|\n|\z)")]
    private static partial Regex FrontMatter();
}
