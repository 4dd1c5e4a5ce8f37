using System.Reflection;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class SpecSchemaTests
{
    [Fact]
    public void EveryDocumentedKey_AppearsInTheGeneratedReference_UnderItsSection()
    {
        var markdown = SpecSchema.ToMarkdown();
        var tables = markdown.Split("### ").Skip(1).ToDictionary(t => t[..t.IndexOf('\n', StringComparison.Ordinal)].Trim('`'), t => t);

        var keys = KeysOf(typeof(ExperimentSpec), "").ToList();
        keys.AddRange(KeysOf(typeof(SweepParameter), "sweep.parameters.<key>"));

        // The experiment keys of the schema design, sweep aside: none may silently drop out.
        // 85: the hub source's data keys, data.target and training.gradient_checkpointing joined.
        Assert.Equal(85, keys.Count(k => !k.IsSection && !k.Section.StartsWith("sweep", StringComparison.Ordinal)));
        foreach (var (section, name, _) in keys)
        {
            Assert.True(tables.TryGetValue(section.Length == 0 ? "Top level" : section, out var table), $"no table for section '{section}'");
            Assert.Contains($"| `{name}` |", table);
        }

        Assert.Contains("| `extends` |", tables["Top level"]);
    }

    [Fact]
    public void Reference_ShowsTypeDefaultAndAllowedValues()
    {
        var markdown = SpecSchema.ToMarkdown();

        Assert.Contains("| `learning_rate` | double | `5E-05` | 0 < x <= 1 | Peak AdamW learning rate. |", markdown);
        Assert.Contains("| `batch_size` | int | `16` | 1..4096 |", markdown);
        Assert.Contains("| `truncation` | enum | `head` | head, tail, head+tail |", markdown);
        Assert.Contains("| `max_steps` | int or null | `null` | >= 1 |", markdown);
        Assert.Contains("| `name` | string | `file name without extension` |", markdown);
        Assert.Contains("| `distribution` | enum or null | `null` | uniform, log_uniform, choice |", markdown);
    }

    [Fact]
    public void EverySpecProperty_HasAKeyAndADescription()
    {
        var records = typeof(ExperimentSpec).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(ExperimentSpec).Namespace && t.Name.EndsWith("Spec", StringComparison.Ordinal) && t.GetMethod("<Clone>$") is not null)
            .ToList();
        Assert.Equal(14, records.Count);
        foreach (var type in records)
        {
            foreach (var property in type.GetProperties())
            {
                Assert.True(property.GetCustomAttribute<SpecKeyAttribute>() is not null, $"{type.Name}.{property.Name} has no [SpecKey]");
                Assert.False(string.IsNullOrWhiteSpace(property.GetCustomAttribute<SpecDocAttribute>()?.Text), $"{type.Name}.{property.Name} has no [SpecDoc]");
            }
        }
    }

    private static IEnumerable<(string Section, string Name, bool IsSection)> KeysOf(Type type, string section)
    {
        foreach (var property in type.GetProperties())
        {
            if (property.GetCustomAttribute<SpecKeyAttribute>()?.Name is not { } name)
            {
                continue;
            }

            var valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var isSection = valueType.Name.EndsWith("Spec", StringComparison.Ordinal);
            yield return (section, name, isSection);
            if (isSection)
            {
                foreach (var child in KeysOf(valueType, section.Length == 0 ? name : $"{section}.{name}"))
                {
                    yield return child;
                }
            }
        }
    }
}
