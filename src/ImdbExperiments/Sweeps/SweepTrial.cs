using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>One trial of a sweep: a plain experiment, the sweep's spec with <see cref="Overrides"/> applied.</summary>
/// <param name="Index">Position in the plan, from 0.</param>
/// <param name="Name">trial-000, trial-001, ...: the run name and the sweep/trial tag.</param>
/// <param name="Overrides">Dotted key -> canonical value text (as for --set), sorted by key.</param>
/// <param name="Spec">The resolved, validated trial spec (no sweep section).</param>
public sealed record SweepTrial(int Index, string Name, IReadOnlyDictionary<string, string> Overrides, ResolvedSpec Spec)
{
    /// <summary>The trial spec's hash: equal hashes are the same experiment, and share every cached stage.</summary>
    public string SpecHash => Spec.Hash;
}
