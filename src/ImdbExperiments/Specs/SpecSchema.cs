using System.Globalization;
using System.Text;

namespace ImdbExperiments.Specs;

/// <summary>The spec schema, derived by reflection from the attributes on the spec records (the single source of truth).</summary>
public static class SpecSchema
{
    public const string ExtendsKey = "extends";

    /// <summary>The section that documents the distribution form of one sweep parameter.</summary>
    internal const string SweepParameterPath = "sweep.parameters.<key>";

    private const string ExtendsDoc = "Another spec this one extends: path relative to this file; mappings merge, this file wins, lists are replaced.";

    internal static SchemaSection Root { get; } = SchemaSection.Build(typeof(ExperimentSpec), "");

    internal static SchemaSection SweepParameterSection { get; } = SchemaSection.Build(typeof(SweepParameter), SweepParameterPath);

    /// <summary>Every key that is a value, not a section, outside the sweep section: what sweeps and trials may set.</summary>
    internal static IReadOnlyDictionary<string, SchemaMember> SweepableKeys { get; } =
        AllMembers(Root).Where(m => m.Kind != SpecValueKind.Section && !m.Path.StartsWith("sweep.", StringComparison.Ordinal) && m.Path != "sweep")
            .ToDictionary(m => m.Path, StringComparer.Ordinal);

    private static readonly Dictionary<string, SchemaMember> ByPath = AllMembers(Root).ToDictionary(m => m.Path, StringComparer.Ordinal);

    /// <summary>Every documented key in document order, sections included.</summary>
    public static IReadOnlyList<SpecField> Fields { get; } = BuildFields();

    public static SpecField? Find(string dottedKey) => Fields.FirstOrDefault(f => f.Key == dottedKey);

    /// <summary>Any key of the spec (section or value, the sweep section included), by dotted path.</summary>
    internal static SchemaMember? FindMember(string dottedKey) => ByPath.GetValueOrDefault(dottedKey);

    internal static IEnumerable<string> AllKeys => ByPath.Keys;

    /// <summary>The reference: one table per section with key, type, default, allowed values and description.</summary>
    public static string ToMarkdown()
    {
        var builder = new StringBuilder();
        foreach (var section in Fields.GroupBy(f => f.Section))
        {
            builder.Append(section.Key.Length == 0 ? "### Top level" : $"### `{section.Key}`").Append("\n\n");
            builder.Append("| key | type | default | allowed | description |\n");
            builder.Append("|---|---|---|---|---|\n");
            foreach (var field in section)
            {
                builder.Append(CultureInfo.InvariantCulture,
                    $"| `{field.Name}` | {Cell(field.Type)} | {Code(field.Default)} | {Cell(field.Allowed)} | {Cell(field.Description)} |\n");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    internal static IEnumerable<SchemaMember> AllMembers(SchemaSection section)
    {
        foreach (var member in section.Members)
        {
            yield return member;
            if (member.Section is not null)
            {
                foreach (var child in AllMembers(member.Section))
                {
                    yield return child;
                }
            }
        }
    }

    private static List<SpecField> BuildFields()
    {
        var fields = new List<SpecField> { new(ExtendsKey, "", ExtendsKey, "path", "none", "", ExtendsDoc) };
        AddSection(fields, Root, new ExperimentSpec());
        return fields;
    }

    private static void AddSection(List<SpecField> fields, SchemaSection section, object defaults)
    {
        var subsections = new List<(SchemaSection Section, object Defaults)>();
        foreach (var member in section.Members)
        {
            var value = member.Property.GetValue(defaults);
            var defaultText = member.DefaultText ?? (member.Kind == SpecValueKind.Section ? (value is null ? "null" : "") : SpecWriter.DisplayDefault(member, value));
            fields.Add(new SpecField(member.Path, section.Path, member.Name, member.TypeName, defaultText, member.AllowedText, member.Doc));
            if (member.Section is not null)
            {
                subsections.Add((member.Section, value ?? Activator.CreateInstance(member.Section.Type)!));
            }

            if (member.Kind == SpecValueKind.SweepParameters)
            {
                subsections.Add((SweepParameterSection, new SweepParameter()));
            }
        }

        foreach (var (child, childDefaults) in subsections)
        {
            AddSection(fields, child, childDefaults);
        }
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private static string Code(string text) => text.Length == 0 ? "" : $"`{text}`";
}
