namespace ImdbExperiments.Stages;

/// <summary>The property holds the value of this spec key (or section), written into the key exactly as the spec writes it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FromSpecAttribute(string key) : Attribute
{
    public string Key { get; } = key;

    /// <summary>Left out of the key when null: how a key added later keeps the keys of caches built before it.</summary>
    public bool OmitNull { get; init; }
}
