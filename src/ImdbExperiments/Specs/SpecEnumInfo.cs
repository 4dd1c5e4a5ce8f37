using System.Reflection;
using System.Text;

namespace ImdbExperiments.Specs;

/// <summary>YAML spellings of an enum's members: [SpecName] where given, else the member name in snake_case.</summary>
internal sealed class SpecEnumInfo
{
    private readonly Dictionary<string, object> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<object, string> byValue = [];

    private SpecEnumInfo(Type type)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var name = field.GetCustomAttribute<SpecNameAttribute>()?.Name ?? SnakeCase(field.Name);
            var value = field.GetValue(null)!;
            byName.Add(name, value);
            byValue.Add(value, name);
        }

        Names = [.. byName.Keys];
    }

    public IReadOnlyList<string> Names { get; }

    public static SpecEnumInfo For(Type type) => Cache.GetOrAdd(type, t => new SpecEnumInfo(t));

    public object? Parse(string name) => byName.GetValueOrDefault(name);

    public string NameOf(object value) => byValue[value];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, SpecEnumInfo> Cache = new();

    private static string SnakeCase(string name)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && char.IsLower(name[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
