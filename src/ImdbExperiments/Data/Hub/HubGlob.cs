using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Data.Hub;

/// <summary>
/// A data_files pattern as datasets resolves it in a repo (data_files.py resolve_pattern over fsspec ≥ 2023.12, i.e. Python's glob):
/// '*' and '?' stay inside one path part, "**" as a whole part spans any number of folders, [...] and [!...] are character
/// classes; hidden parts ('.x') and special folders ('__x') are skipped unless the pattern names them, and README.md and
/// the dataset_info files never count as data.
/// </summary>
internal sealed class HubGlob
{
    /// <summary>data_files.py FILES_TO_IGNORE: repo files that are never data.</summary>
    static readonly HashSet<string> FilesToIgnore = new(StringComparer.Ordinal)
        { "README.md", "config.json", "dataset_info.json", "dataset_infos.json", "dummy_data.zip", "dataset_dict.json" };

    readonly Regex _regex;
    readonly int _hiddenParts;
    readonly int _specialFolders;

    public HubGlob(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        _regex = new Regex(Translate(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        _hiddenParts = HiddenParts(pattern);
        _specialFolders = SpecialFolders(pattern);
    }

    public string Pattern { get; }

    /// <summary>The paths the pattern selects, in sorted (ordinal) order as fsspec's glob returns them.</summary>
    public IEnumerable<string> Match(IEnumerable<string> paths) => paths
        .Where(p => _regex.IsMatch(p) && !FilesToIgnore.Contains(p[(p.LastIndexOf('/') + 1)..]) &&
                    HiddenParts(p) == _hiddenParts && SpecialFolders(p) == _specialFolders)
        .Order(StringComparer.Ordinal);

    static int HiddenParts(string path) => path.Split('/').Count(part => part.StartsWith('.') && part.Any(c => c != '.'));

    static int SpecialFolders(string path) => path.Split('/')[..^1].Count(part => part.StartsWith("__", StringComparison.Ordinal));

    static string Translate(string pattern)
    {
        var parts = pattern.Split('/');
        var regex = new StringBuilder("^");
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            if (parts[i] == "**")
            {
                regex.Append(last ? "[^/]+(?:/[^/]+)*" : "(?:[^/]+/)*");
                continue;
            }
            AppendPart(regex, parts[i]);
            if (!last) regex.Append('/');
        }
        return regex.Append(@"\z").ToString();
    }

    static void AppendPart(StringBuilder regex, string part)
    {
        for (int i = 0; i < part.Length; i++)
        {
            char c = part[i];
            if (c == '*')
            {
                while (i + 1 < part.Length && part[i + 1] == '*') i++; // "**" inside a part is '*' (fsspec)
                regex.Append("[^/]*");
            }
            else if (c == '?') regex.Append("[^/]");
            else if (c == '[' && part.IndexOf(']', i + 2) is var close && close > i)
            {
                var body = part[(i + 1)..close];
                regex.Append('[');
                if (body.StartsWith('!')) { regex.Append('^'); body = body[1..]; }
                regex.Append(body.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal));
                regex.Append(']');
                i = close;
            }
            else regex.Append(Regex.Escape(c.ToString()));
        }
    }
}
