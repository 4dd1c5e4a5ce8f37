using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Specs;

/// <summary>One spec key as read from the attributes of its record property.</summary>
internal sealed class SchemaMember
{
    public required string Name { get; init; }

    /// <summary>Dotted key from the top, e.g. training.learning_rate.</summary>
    public required string Path { get; init; }

    public required PropertyInfo Property { get; init; }

    public required SpecValueKind Kind { get; init; }

    public required bool IsNullable { get; init; }

    public required string Doc { get; init; }

    public SchemaSection? Section { get; init; }

    public SpecEnumInfo? Enum { get; init; }

    public SpecRangeAttribute? Range { get; init; }

    public SpecPatternAttribute? Pattern { get; init; }

    public Regex? PatternRegex { get; init; }

    public SpecEnumTextAttribute? EnumText { get; init; }

    public bool IsPath { get; init; }

    /// <summary>[SpecCredentials]: written everywhere without its user info and secret query values.</summary>
    public bool HasCredentials { get; init; }

    /// <summary>The value as any text made from the spec shows it.</summary>
    public string Written(string text) => HasCredentials ? Tracking.TrackingUri.Redact(text) : text;

    public string? DefaultText { get; init; }

    public string? TypeText { get; init; }

    /// <summary>The values a string key with [SpecEnumText] accepts.</summary>
    public IReadOnlyList<string> EnumTextValues =>
        EnumText is null ? [] : [.. SpecEnumInfo.For(EnumText.EnumType).Names.Select(n => EnumText.Prefix + n)];

    public bool InRange(double value)
    {
        if (Range is null)
        {
            return true;
        }

        var aboveMin = double.IsNaN(Range.Min) || (Range.MinExclusive ? value > Range.Min : value >= Range.Min);
        var belowMax = double.IsNaN(Range.Max) || (Range.MaxExclusive ? value < Range.Max : value <= Range.Max);
        return aboveMin && belowMax;
    }

    /// <summary>"1..4096", "0 < x <= 1", "> 0", or "" when unbounded.</summary>
    public string RangeText
    {
        get
        {
            if (Range is null)
            {
                return "";
            }

            var hasMin = !double.IsNaN(Range.Min);
            var hasMax = !double.IsNaN(Range.Max);
            var min = Format(Range.Min);
            var max = Format(Range.Max);
            if (hasMin && hasMax)
            {
                return Kind == SpecValueKind.Int && !Range.MinExclusive && !Range.MaxExclusive
                    ? $"{min}..{max}"
                    : $"{min} {(Range.MinExclusive ? "<" : "<=")} x {(Range.MaxExclusive ? "<" : "<=")} {max}";
            }

            if (hasMin)
            {
                return $"{(Range.MinExclusive ? ">" : ">=")} {min}";
            }

            return hasMax ? $"{(Range.MaxExclusive ? "<" : "<=")} {max}" : "";
        }
    }

    /// <summary>What the key accepts, in words, for error messages: "an integer 1..4096", "one of a, b".</summary>
    public string Describe()
    {
        var range = RangeText.Length > 0 ? " " + RangeText : "";
        var text = Kind switch
        {
            SpecValueKind.Section => $"a mapping with keys {string.Join(", ", Section!.Names)}",
            SpecValueKind.String when EnumText is not null => $"one of {string.Join(", ", EnumTextValues)}",
            SpecValueKind.String when IsPath => "a path",
            SpecValueKind.String => Pattern?.Description ?? "a string",
            SpecValueKind.Int => "an integer" + range,
            SpecValueKind.Double => "a number" + range,
            SpecValueKind.Bool => "true or false",
            SpecValueKind.Enum => $"one of {string.Join(", ", Enum!.Names)}",
            SpecValueKind.StringList => Pattern is null ? "a list of strings" : $"a list of strings, each {Pattern.Description}",
            SpecValueKind.StringMap => "a mapping of strings to strings",
            SpecValueKind.SweepParameters => "a mapping of spec keys to lists of values or distributions",
            SpecValueKind.SweepTrials => "a list of mappings of spec keys to values",
            _ => Kind.ToString(),
        };
        return IsNullable ? text + " or null" : text;
    }

    /// <summary>The type column of the reference.</summary>
    public string TypeName
    {
        get
        {
            var text = TypeText ?? Kind switch
            {
                SpecValueKind.Section => "section",
                SpecValueKind.String => IsPath ? "path" : "string",
                SpecValueKind.Int => "int",
                SpecValueKind.Double => "double",
                SpecValueKind.Bool => "bool",
                SpecValueKind.Enum => "enum",
                SpecValueKind.StringList => "list of string",
                SpecValueKind.StringMap => "map string -> string",
                _ => Kind.ToString(),
            };
            return IsNullable ? text + " or null" : text;
        }
    }

    /// <summary>The allowed column of the reference.</summary>
    public string AllowedText => Kind switch
    {
        SpecValueKind.Enum => string.Join(", ", Enum!.Names),
        SpecValueKind.String when EnumText is not null => string.Join(", ", EnumTextValues),
        SpecValueKind.Int or SpecValueKind.Double => RangeText,
        SpecValueKind.String or SpecValueKind.StringList => Pattern?.Description ?? "",
        _ => "",
    };

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
