using System.Globalization;
using System.Text;

namespace ImdbExperiments.Specs;

/// <summary>Writes bound specs as canonical JSON, YAML, flat parameters and value texts.</summary>
internal static class SpecWriter
{
    /// <summary>Canonical JSON: keys sorted (ordinal), no whitespace, invariant numbers, doubles in shortest round-trip form.</summary>
    public static string Json(SchemaSection section, object instance, Func<string, string> path)
    {
        var builder = new StringBuilder();
        WriteSection(builder, section, instance, path);
        return builder.ToString();
    }

    /// <summary>The canonical JSON of one value.</summary>
    public static string Json(SchemaMember member, object? value, Func<string, string> path)
    {
        var builder = new StringBuilder();
        WriteValue(builder, member, value, path);
        return builder.ToString();
    }

    /// <summary>A typed value as text that a --set override or a sweep trial reads back to the same value (paths kept absolute).</summary>
    public static string ValueText(SchemaMember member, object? value) => Json(member, value, p => p);

    public static string EnumName(object value) => SpecEnumInfo.For(value.GetType()).NameOf(value);

    /// <summary>The default column of the reference: like JSON, but top-level strings unquoted.</summary>
    public static string DisplayDefault(SchemaMember member, object? value) => value switch
    {
        "" => "\"\"",
        string text => text,
        Enum => EnumName(value),
        _ => Json(member, value, p => p),
    };

    /// <summary>The value of a flattened parameter: strings bare, everything else as canonical JSON.</summary>
    public static string FlatValue(SchemaMember member, object? value, Func<string, string> path) => value switch
    {
        string text => member.IsPath ? path(text) : member.Written(text),
        Enum => EnumName(value),
        _ => Json(member, value, path),
    };

    public static string Yaml(SchemaSection section, object instance, Func<string, string> path)
    {
        var builder = new StringBuilder();
        WriteYamlSection(builder, section, instance, "", path);
        return builder.ToString();
    }

    private static void WriteSection(StringBuilder builder, SchemaSection section, object instance, Func<string, string> path)
    {
        builder.Append('{');
        var first = true;
        foreach (var member in section.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            builder.Append(first ? "" : ",");
            first = false;
            WriteString(builder, member.Name);
            builder.Append(':');
            WriteValue(builder, member, member.Property.GetValue(instance), path);
        }

        builder.Append('}');
    }

    private static void WriteValue(StringBuilder builder, SchemaMember member, object? value, Func<string, string> path)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                return;
            case string text:
                WriteString(builder, member.IsPath ? path(text) : member.Written(text));
                return;
            case int integer:
                builder.Append(integer.ToString(CultureInfo.InvariantCulture));
                return;
            case double number:
                builder.Append(number.ToString("R", CultureInfo.InvariantCulture));
                return;
            case bool flag:
                builder.Append(flag ? "true" : "false");
                return;
            case Enum:
                WriteString(builder, EnumName(value));
                return;
        }

        switch (member.Kind)
        {
            case SpecValueKind.Section:
                WriteSection(builder, member.Section!, value, path);
                return;
            case SpecValueKind.StringList:
                WriteArray(builder, (IReadOnlyList<string>)value, item => WriteString(builder, item));
                return;
            case SpecValueKind.StringMap:
                WriteObject(builder, (IReadOnlyDictionary<string, string>)value, item => WriteString(builder, item));
                return;
            case SpecValueKind.SweepParameters:
                var parameters = ((IReadOnlyList<SweepParameter>)value).ToDictionary(p => p.Key, StringComparer.Ordinal);
                WriteObject(builder, parameters, parameter => WriteParameter(builder, parameter, path));
                return;
            case SpecValueKind.SweepTrials:
                WriteArray(builder, (IReadOnlyList<IReadOnlyDictionary<string, string>>)value, trial =>
                    WriteObject(builder, trial.ToDictionary(kv => kv.Key, kv => (kv.Key, kv.Value)), item => WriteValueText(builder, item.Key, item.Value, path)));
                return;
            default:
                throw new InvalidOperationException($"{member.Path}: cannot write {value.GetType().Name}.");
        }
    }

    private static void WriteParameter(StringBuilder builder, SweepParameter parameter, Func<string, string> path)
    {
        if (parameter.Distribution is null)
        {
            WriteArray(builder, parameter.Values, text => WriteValueText(builder, parameter.Key, text, path));
            return;
        }

        builder.Append('{');
        var first = true;
        foreach (var member in SpecSchema.SweepParameterSection.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            builder.Append(first ? "" : ",");
            first = false;
            WriteString(builder, member.Name);
            builder.Append(':');
            if (member.Name == "values")
            {
                WriteArray(builder, parameter.Values, text => WriteValueText(builder, parameter.Key, text, path));
            }
            else
            {
                WriteValue(builder, member, member.Property.GetValue(parameter), path);
            }
        }

        builder.Append('}');
    }

    /// <summary>A stored sweep value, re-typed by its key so that paths follow the same rule as everywhere else.</summary>
    private static void WriteValueText(StringBuilder builder, string key, string text, Func<string, string> path)
    {
        var target = SpecSchema.SweepableKeys[key];
        WriteValue(builder, target, SpecBinder.ParseValueText(target, text), path);
    }

    private static void WriteArray<T>(StringBuilder builder, IReadOnlyList<T> items, Action<T> write)
    {
        builder.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            builder.Append(i == 0 ? "" : ",");
            write(items[i]);
        }

        builder.Append(']');
    }

    private static void WriteObject<T>(StringBuilder builder, IEnumerable<KeyValuePair<string, T>> entries, Action<T> write)
    {
        builder.Append('{');
        var first = true;
        foreach (var (key, value) in entries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            builder.Append(first ? "" : ",");
            first = false;
            WriteString(builder, key);
            builder.Append(':');
            write(value);
        }

        builder.Append('}');
    }

    /// <summary>JSON string with only the escapes JSON requires, so the text never depends on an encoder's choices.</summary>
    public static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case < ' ': builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
    }

    private static void WriteYamlSection(StringBuilder builder, SchemaSection section, object instance, string indent, Func<string, string> path)
    {
        foreach (var member in section.Members)
        {
            var value = member.Property.GetValue(instance);
            builder.Append(indent).Append(member.Name).Append(':');
            switch (member.Kind)
            {
                case SpecValueKind.Section when value is not null:
                    builder.Append('\n');
                    WriteYamlSection(builder, member.Section!, value, indent + "  ", path);
                    break;
                case SpecValueKind.SweepParameters when value is IReadOnlyList<SweepParameter> { Count: > 0 } parameters:
                    builder.Append('\n');
                    foreach (var parameter in parameters)
                    {
                        builder.Append(indent).Append("  ").Append(parameter.Key).Append(": ");
                        WriteParameter(builder, parameter, path);
                        builder.Append('\n');
                    }

                    break;
                case SpecValueKind.Enum when value is not null:
                    // Enum spellings (head+tail, log_uniform) are valid plain scalars and read better unquoted.
                    builder.Append(' ').Append(EnumName(value)).Append('\n');
                    break;
                default:
                    builder.Append(' ');
                    WriteValue(builder, member, value, path);
                    builder.Append('\n');
                    break;
            }
        }
    }
}
