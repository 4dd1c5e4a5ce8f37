namespace ImdbExperiments.Stages;

/// <summary>A derived key input left out of the key when null (a default that older caches never recorded).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OmitNullAttribute : Attribute;
