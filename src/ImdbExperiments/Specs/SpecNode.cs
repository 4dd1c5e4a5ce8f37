namespace ImdbExperiments.Specs;

/// <summary>An immutable YAML node that remembers its origin, so extends and overrides can be merged without losing positions.</summary>
internal abstract class SpecNode(SpecOrigin origin)
{
    public SpecOrigin Origin { get; } = origin;
}

internal sealed class SpecScalar(string value, bool isPlain, SpecOrigin origin) : SpecNode(origin)
{
    public string Value { get; } = value;

    /// <summary>False for quoted (or !!str) scalars, which are always strings.</summary>
    public bool IsPlain { get; } = isPlain;

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed class SpecSequence(IReadOnlyList<SpecNode> items, SpecOrigin origin) : SpecNode(origin)
{
    public IReadOnlyList<SpecNode> Items { get; } = items;
}

internal sealed class SpecMapping(IReadOnlyList<SpecEntry> entries, SpecOrigin origin) : SpecNode(origin)
{
    public IReadOnlyList<SpecEntry> Entries { get; } = entries;

    public SpecEntry? Find(string key) => Entries.FirstOrDefault(e => e.Key.Value == key);

    public SpecMapping Without(string key) => new([.. Entries.Where(e => e.Key.Value != key)], Origin);

    public SpecMapping WithEntry(SpecEntry entry) =>
        Find(entry.Key.Value) is null ? new([.. Entries, entry], Origin) : new([.. Entries.Select(e => e.Key.Value == entry.Key.Value ? entry : e)], Origin);

    /// <summary>Deep merge: mappings merge key by key, anything else in <paramref name="child"/> replaces (lists included).</summary>
    public static SpecNode Merge(SpecNode parent, SpecNode child)
    {
        if (parent is not SpecMapping p || child is not SpecMapping c)
        {
            return child;
        }

        var merged = p;
        foreach (var entry in c.Entries)
        {
            var existing = merged.Find(entry.Key.Value);
            merged = merged.WithEntry(existing is null ? entry : new SpecEntry(entry.Key, Merge(existing.Value, entry.Value)));
        }

        return new SpecMapping(merged.Entries, c.Origin);
    }
}

internal sealed record SpecEntry(SpecScalar Key, SpecNode Value);
