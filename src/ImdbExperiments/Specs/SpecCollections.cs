using System.Collections.Immutable;

namespace ImdbExperiments.Specs;

/// <summary>Immutable collections that spec records hold.</summary>
internal static class SpecCollections
{
    public static readonly IReadOnlyDictionary<string, string> EmptyMap = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, string> Map(IEnumerable<KeyValuePair<string, string>> entries) =>
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, entries);

    public static IReadOnlyList<T> List<T>(IEnumerable<T> items) => [.. items];
}
