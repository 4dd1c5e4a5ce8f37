using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Tracking;

/// <summary>
/// The small YAML subset of MLflow's meta.yaml files: one mapping of scalars (plus an empty list or a flat
/// string mapping), written the way PyYAML's safe_dump writes it (keys sorted, strings quoted exactly when
/// PyYAML's resolver would otherwise read them as another type), and read back, including PyYAML's quoted styles.
/// </summary>
internal static partial class MlflowYaml
{
    /// <summary>Values: null, long, int, string, an empty string list, or a string mapping.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, object?>> mapping)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in mapping.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            builder.Append(Scalar(key)).Append(':');
            switch (value)
            {
                case null:
                    builder.Append(" null\n");
                    break;
                case long or int:
                    builder.Append(' ').Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case string text:
                    builder.Append(' ').Append(Scalar(text)).Append('\n');
                    break;
                case IReadOnlyList<KeyValuePair<string, string>> inner when inner.Count == 0:
                    builder.Append(" {}\n");
                    break;
                case IReadOnlyList<KeyValuePair<string, string>> inner:
                    builder.Append('\n');
                    foreach (var (innerKey, innerValue) in inner.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                        builder.Append("  ").Append(Scalar(innerKey)).Append(": ").Append(Scalar(innerValue)).Append('\n');
                    break;
                case IReadOnlyList<string> list when list.Count == 0:
                    builder.Append(" []\n");
                    break;
                default:
                    throw new ArgumentException($"meta.yaml value of '{key}' has unsupported type {value.GetType().Name}.", nameof(mapping));
            }
        }
        return builder.ToString();
    }

    /// <summary>The top-level scalars of a meta.yaml (nested mappings and lists are skipped).</summary>
    public static Dictionary<string, string?> ReadScalars(string text)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line[0] == ' ' || line[0] == '#' || line.StartsWith("- ", StringComparison.Ordinal))
                continue;
            var (key, rest) = SplitKey(line);
            if (key is null)
                continue;
            // PyYAML folds long scalars onto indented continuation lines.
            while (i + 1 < lines.Length && lines[i + 1].StartsWith("  ", StringComparison.Ordinal) && !IsNestedEntry(lines[i + 1], rest))
                rest += " " + lines[++i].Trim();
            result[key] = ParseScalar(rest.Trim());
        }
        return result;
    }

    private static bool IsNestedEntry(string line, string parentRest) =>
        parentRest.Trim().Length == 0 && (line.TrimStart().StartsWith("- ", StringComparison.Ordinal) || SplitKey(line.Trim()).Key is not null);

    private static (string? Key, string Value) SplitKey(string line)
    {
        if (line.StartsWith('\'') || line.StartsWith('"'))
        {
            var end = FindClosingQuote(line, 0);
            if (end < 0 || end + 1 >= line.Length || line[end + 1] != ':')
                return (null, "");
            return (ParseScalar(line[..(end + 1)]), line[(end + 2)..]);
        }
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
            return line.EndsWith(':') ? (line[..^1], "") : (null, "");
        return (line[..colon], line[(colon + 1)..]);
    }

    private static int FindClosingQuote(string text, int start)
    {
        var quote = text[start];
        for (var i = start + 1; i < text.Length; i++)
        {
            if (quote == '\'' && text[i] == '\'')
            {
                if (i + 1 < text.Length && text[i + 1] == '\'') { i++; continue; }
                return i;
            }
            if (quote == '"' && text[i] == '\\') { i++; continue; }
            if (quote == '"' && text[i] == '"')
                return i;
        }
        return -1;
    }

    public static string? ParseScalar(string raw)
    {
        if (raw.Length == 0 || raw is "~" or "null" or "Null" or "NULL")
            return null;
        if (raw.StartsWith('\'') && raw.EndsWith('\'') && raw.Length >= 2)
            return raw[1..^1].Replace("''", "'");
        if (raw.StartsWith('"') && raw.EndsWith('"') && raw.Length >= 2)
            return Unescape(raw[1..^1]);
        return raw;
    }

    private static string Unescape(string body)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length)
            {
                builder.Append(body[i]);
                continue;
            }
            var c = body[++i];
            switch (c)
            {
                case '0': builder.Append('\0'); break;
                case 'a': builder.Append('\a'); break;
                case 'b': builder.Append('\b'); break;
                case 't': builder.Append('\t'); break;
                case 'n': builder.Append('\n'); break;
                case 'v': builder.Append('\v'); break;
                case 'f': builder.Append('\f'); break;
                case 'r': builder.Append('\r'); break;
                case 'e': builder.Append('\u001b'); break;
                case 'N': builder.Append('\u0085'); break;
                case '_': builder.Append('\u00a0'); break;
                case 'L': builder.Append('\u2028'); break;
                case 'P': builder.Append('\u2029'); break;
                case 'x': builder.Append((char)Convert.ToInt32(body.Substring(i + 1, 2), 16)); i += 2; break;
                case 'u': builder.Append((char)Convert.ToInt32(body.Substring(i + 1, 4), 16)); i += 4; break;
                case 'U': builder.Append(char.ConvertFromUtf32(Convert.ToInt32(body.Substring(i + 1, 8), 16))); i += 8; break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }

    /// <summary>A string scalar as PyYAML's safe_dump would write it in block context.</summary>
    public static string Scalar(string value)
    {
        if (value.Length == 0)
            return "''";
        if (NeedsDoubleQuotes(value))
            return DoubleQuoted(value);
        if (IsPlainSafe(value) && !ResolvesToNonString(value))
            return value;
        return "'" + value.Replace("'", "''") + "'";
    }

    private static bool NeedsDoubleQuotes(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            var printable = c == '\t' || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            if (!printable || c == '\t' || c == '\u0085' || c == '\u2028' || c == '\u2029' || c == '\uFEFF')
                return true;
        }
        return false;
    }

    private static string DoubleQuoted(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when c < 0x20 || (c >= 0x7F && c < 0xA0) || c is '\u2028' or '\u2029' or '\uFEFF' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }

    // Conservative version of PyYAML's analyze_scalar for block plain scalars.
    private static bool IsPlainSafe(string value)
    {
        if (value[0] == ' ' || value[^1] == ' ' || value[^1] == ':')
            return false;
        if ("#,[]{}&*!|>'\"%@`".Contains(value[0]))
            return false;
        if ((value[0] is '-' or '?' or ':') && (value.Length == 1 || value[1] == ' '))
            return false;
        if (value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal))
            return false;
        return true;
    }

    private static bool ResolvesToNonString(string value) =>
        BoolPattern().IsMatch(value) || IntPattern().IsMatch(value) || FloatPattern().IsMatch(value)
        || NullPattern().IsMatch(value) || TimestampPattern().IsMatch(value) || value is "<<" or "=";

    // PyYAML's implicit resolvers (YAML 1.1), which decide when a string must be quoted.
    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(?:~|null|Null|NULL)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$")]
    private static partial Regex TimestampPattern();
}
