using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>
/// What a stage reads of the resolved spec, projected once: its JSON (<see cref="ToKeyJson"/>) is the stage's cache-key
/// input, and its build reads nothing else of the spec. A property marked <see cref="FromSpecAttribute"/> is written as
/// <c>ResolvedSpec.Subset</c> writes that key, so keys of caches built before this record existed stay the same.
/// </summary>
public abstract record StageInputs
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Spec keys a property was derived from but that no <see cref="FromSpecAttribute"/> names (a discriminator, a fallback).</summary>
    protected virtual IEnumerable<string> DerivedFrom => [];

    /// <summary>
    /// Every spec key (dotted; a section stands for every key under it) whose value this record carries into the key. A property
    /// left out of the key (null, OmitNull) is not read; where it is read anyway (a default kept out of old keys) DerivedFrom says so.
    /// </summary>
    public IReadOnlyList<string> SpecKeys() =>
    [
        .. KeyProperties().Select(p => (Attribute: p.GetCustomAttribute<FromSpecAttribute>(), Value: p.GetValue(this)))
            .Where(p => p.Attribute is not null && !(p.Attribute.OmitNull && p.Value is null)).Select(p => p.Attribute!.Key)
            .Concat(KeyProperties().Select(p => p.GetValue(this)).OfType<StageInputs>().SelectMany(nested => nested.SpecKeys()))
            .Concat(DerivedFrom).Distinct().Order(StringComparer.Ordinal),
    ];

    /// <summary>
    /// The cache-key input: every property not marked <see cref="JsonIgnoreAttribute"/> (those say where bytes come from, or
    /// repeat what an upstream key covers), a null one left out where it says so, a nested record as its own key JSON.
    /// </summary>
    public virtual JsonObject ToKeyJson()
    {
        var json = new JsonObject();
        foreach (var property in KeyProperties())
        {
            var value = property.GetValue(this);
            var fromSpec = property.GetCustomAttribute<FromSpecAttribute>();
            if (value is null && (fromSpec?.OmitNull ?? property.GetCustomAttribute<OmitNullAttribute>() is not null)) continue;
            var jsonName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (fromSpec is not null)
            {
                var member = SpecSchema.FindMember(fromSpec.Key) ?? throw new InvalidOperationException($"{GetType().Name}.{property.Name}: '{fromSpec.Key}' is not a spec key.");
                // Paths would need the spec's folder to be written as Subset writes them; no key input is a path today.
                if (member.IsPath) throw new InvalidOperationException($"{GetType().Name}.{property.Name}: '{fromSpec.Key}' is a path; identify the file instead.");
                json[jsonName ?? fromSpec.Key] = JsonNode.Parse(SpecWriter.Json(member, value, p => p));
            }
            else
            {
                var name = jsonName ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
                json[name] = value is StageInputs nested ? nested.ToKeyJson() : JsonSerializer.SerializeToNode(value, property.PropertyType, Options);
            }
        }
        // Sorted as the key sorts it, so the record's JSON reads the same as the key's inputs (and as Subset wrote them).
        return (JsonObject)CanonicalJson.Sort(json)!;
    }

    IEnumerable<PropertyInfo> KeyProperties() => GetType()
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);
}
