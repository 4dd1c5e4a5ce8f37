using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ImdbExperiments.Cli;

/// <summary>
/// Every numeric, choice and list option of every command is made here, so that a bad value is one line naming the option,
/// the value and what is allowed (System.CommandLine's own message names the .NET type, e.g. System.Int32), exit code 2.
/// </summary>
static class CheckedOptions
{
    /// <summary>What an option made here allows; <see cref="Range"/> is set for numbers, so a test can try the values just outside.</summary>
    internal sealed record Rule(string Allowed, OptionRange? Range);

    static readonly ConditionalWeakTable<Option, Rule> Rules = [];

    /// <summary>The most torch threads an option asks for: beyond any machine's cores, below what would exhaust the process.</summary>
    public const int MaxThreads = 1024;

    /// <summary>The rule of an option made here, or null for one made elsewhere.</summary>
    public static Rule? RuleOf(Option option) => Rules.TryGetValue(option, out var rule) ? rule : null;

    public static Option<int> Int(string name, int min, int max, int defaultValue, string description) =>
        Register(new Option<int>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = argument => Number(argument, name, new OptionRange(min, max), v => (int)v, 0),
        }, new OptionRange(min, max));

    /// <summary>An int option that is null when not given (or when given <paramref name="word"/>, e.g. all).</summary>
    public static Option<int?> OptionalInt(string name, int min, int max, string description, string? word = null, int? defaultValue = null)
    {
        var range = new OptionRange(min, max, Word: word);
        var option = new Option<int?>(name)
        {
            Description = description,
            CustomParser = argument => Number<int?>(argument, name, range, v => (int)v, null),
        };
        if (defaultValue is { } value) option.DefaultValueFactory = _ => value;
        return Register(option, range);
    }

    public static Option<long> Long(string name, long min, long max, long defaultValue, string description) =>
        Register(new Option<long>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = argument => Number(argument, name, new OptionRange(min, max), v => (long)v, 0L),
        }, new OptionRange(min, max));

    public static Option<double?> OptionalDouble(string name, double min, double max, string description, bool maxExclusive = false)
    {
        var range = new OptionRange((decimal)min, (decimal)max, Whole: false, MaxExclusive: maxExclusive);
        return Register(new Option<double?>(name)
        {
            Description = description,
            CustomParser = argument => Number<double?>(argument, name, range, v => (double)v, null),
        }, range);
    }

    /// <summary>One of <paramref name="choices"/> by name, case-insensitively.</summary>
    public static Option<T> Choice<T>(string name, T defaultValue, string description, params (string Name, T Value)[] choices)
    {
        var allowed = string.Join(", ", choices.Select(c => c.Name));
        return Register(new Option<T>(name)
        {
            Description = description,
            // The help names the choices as typed (fp32|bf16), not the enum's members (Bf16|Fp32).
            HelpName = string.Join("|", choices.Select(c => c.Name)),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = argument =>
            {
                if (Token(argument, name, allowed) is not { } token) return defaultValue;
                foreach (var (choice, value) in choices)
                    if (string.Equals(choice, token, StringComparison.OrdinalIgnoreCase)) return value;
                argument.AddError(NotValid(name, token, allowed));
                return defaultValue;
            },
        }, new Rule(allowed, null));
    }

    /// <summary>
    /// A value the library parses (a comma-separated list: --models, --lengths): its ArgumentException, which names the option,
    /// the value and what is allowed, is the parse error. <paramref name="range"/> is each number's, where the items are numbers.
    /// </summary>
    public static Option<T?> Parsed<T>(string name, Func<string, T> parse, string description, string allowed, OptionRange? range = null, string[]? aliases = null)
        where T : class =>
        Register(new Option<T?>(name, aliases ?? [])
        {
            Description = description,
            CustomParser = argument =>
            {
                if (Token(argument, name, allowed) is not { } token) return null;
                try
                {
                    return parse(token);
                }
                catch (ArgumentException e)
                {
                    argument.AddError(e.Message);
                    return null;
                }
            },
        }, new Rule(allowed, range));

    /// <summary>
    /// A parser for a comma-separated list of whole numbers in [<paramref name="min"/>, <paramref name="max"/>], for <see cref="Parsed{T}"/>:
    /// a bad item is one message naming the option, the value and what is allowed (<paramref name="items"/>: "connection counts").
    /// </summary>
    public static Func<string, IReadOnlyList<int>> WholeNumbers(string option, int min, int max, string items, string example) => value =>
        value.Split(',', StringSplitOptions.TrimEntries).Select(text =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n
                : throw new ArgumentException($"{option} {(value.Length == 0 ? "\"\"" : value)} is not valid; allowed: {items} from {min} to {max}, comma-separated, e.g. {example}.")).Distinct().ToArray();

    /// <summary>The one token of a one-value option; a second is an error (System.CommandLine keeps each repeat's token).</summary>
    static string? Token(ArgumentResult argument, string name, string allowed)
    {
        if (argument.Tokens.Count == 1) return argument.Tokens[0].Value;
        argument.AddError($"{name} takes one value, given {argument.Tokens.Count}; allowed: {allowed}.");
        return null;
    }

    static T Number<T>(ArgumentResult argument, string name, OptionRange range, Func<decimal, T> convert, T fallback)
    {
        if (Token(argument, name, range.Allowed) is not { } token) return fallback;
        if (range.Word is { } word && string.Equals(token, word, StringComparison.OrdinalIgnoreCase)) return fallback;
        var style = range.Whole ? NumberStyles.AllowLeadingSign : NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
        // decimal holds every int and long exactly, and refuses NaN, infinities and numbers too long to be meant.
        if (decimal.TryParse(token, style, CultureInfo.InvariantCulture, out var value) && range.Contains(value)) return convert(value);
        argument.AddError(NotValid(name, token, range.Allowed));
        return fallback;
    }

    static string NotValid(string name, string token, string allowed) => $"{name} {Shown(token)} is not valid; allowed: {allowed}.";

    /// <summary>A hostile token as a short, quoted-when-odd part of one line.</summary>
    static string Shown(string token)
    {
        var clipped = token.Length <= 40 ? token : token[..40] + "...";
        return clipped.Length == 0 || clipped.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? $"'{CliErrors.OneLine(clipped)}'" : clipped;
    }

    static Option<T> Register<T>(Option<T> option, OptionRange range) => Register(option, new Rule(range.Allowed, range));

    static Option<T> Register<T>(Option<T> option, Rule rule)
    {
        Rules.AddOrUpdate(option, rule);
        return option;
    }
}
