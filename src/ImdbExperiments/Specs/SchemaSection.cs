using System.Reflection;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Specs;

/// <summary>A spec record type seen as a YAML mapping: its keys, in declaration order, from the [SpecKey] attributes.</summary>
internal sealed class SchemaSection
{
    private readonly Dictionary<string, SchemaMember> byName;

    private SchemaSection(Type type, string path, IReadOnlyList<SchemaMember> members)
    {
        Type = type;
        Path = path;
        Members = members;
        byName = members.ToDictionary(m => m.Name, StringComparer.Ordinal);
        Names = [.. members.Select(m => m.Name)];
    }

    public Type Type { get; }

    /// <summary>Dotted path of the section ("" for the top level).</summary>
    public string Path { get; }

    public IReadOnlyList<SchemaMember> Members { get; }

    public IReadOnlyList<string> Names { get; }

    public SchemaMember? Find(string name) => byName.GetValueOrDefault(name);

    public static SchemaSection Build(Type type, string path)
    {
        var nullability = new NullabilityInfoContext();
        var members = new List<SchemaMember>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = property.GetCustomAttribute<SpecKeyAttribute>();
            if (key is null)
            {
                continue;
            }

            var memberPath = path.Length == 0 ? key.Name : $"{path}.{key.Name}";
            var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var isNullable = Nullable.GetUnderlyingType(property.PropertyType) is not null ||
                (!property.PropertyType.IsValueType && nullability.Create(property).WriteState == NullabilityState.Nullable);
            var kind = KindOf(valueType, property);
            var pattern = property.GetCustomAttribute<SpecPatternAttribute>();
            members.Add(new SchemaMember
            {
                Name = key.Name,
                Path = memberPath,
                Property = property,
                Kind = kind,
                IsNullable = isNullable,
                Doc = property.GetCustomAttribute<SpecDocAttribute>()?.Text
                    ?? throw new InvalidOperationException($"{type.Name}.{property.Name} has [SpecKey] but no [SpecDoc]."),
                Section = kind == SpecValueKind.Section ? Build(valueType, memberPath) : null,
                Enum = kind == SpecValueKind.Enum ? SpecEnumInfo.For(valueType) : null,
                Range = property.GetCustomAttribute<SpecRangeAttribute>(),
                Pattern = pattern,
                PatternRegex = pattern is null ? null : new Regex(pattern.Regex, RegexOptions.CultureInvariant),
                EnumText = property.GetCustomAttribute<SpecEnumTextAttribute>(),
                IsPath = property.GetCustomAttribute<SpecPathAttribute>() is not null,
                HasCredentials = property.GetCustomAttribute<SpecCredentialsAttribute>() is not null,
                DefaultText = property.GetCustomAttribute<SpecDefaultAttribute>()?.Text,
                TypeText = property.GetCustomAttribute<SpecTypeAttribute>()?.Text,
            });
        }

        return new SchemaSection(type, path, members);
    }

    private static SpecValueKind KindOf(Type type, PropertyInfo property)
    {
        if (type == typeof(string)) return SpecValueKind.String;
        if (type == typeof(int)) return SpecValueKind.Int;
        if (type == typeof(double)) return SpecValueKind.Double;
        if (type == typeof(bool)) return SpecValueKind.Bool;
        if (type.IsEnum) return SpecValueKind.Enum;
        if (type == typeof(IReadOnlyList<string>)) return SpecValueKind.StringList;
        if (type == typeof(IReadOnlyDictionary<string, string>)) return SpecValueKind.StringMap;
        if (type == typeof(IReadOnlyList<SweepParameter>)) return SpecValueKind.SweepParameters;
        if (type == typeof(IReadOnlyList<IReadOnlyDictionary<string, string>>)) return SpecValueKind.SweepTrials;
        if (type.IsClass && type.GetProperties().Any(p => p.GetCustomAttribute<SpecKeyAttribute>() is not null)) return SpecValueKind.Section;
        throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name}: spec keys of type {type.Name} are not supported.");
    }
}
