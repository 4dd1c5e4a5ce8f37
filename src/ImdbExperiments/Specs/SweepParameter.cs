namespace ImdbExperiments.Specs;

/// <summary>
/// One swept key. Either a plain list of values (Distribution null) or, for method: random, a distribution.
/// Each value is the canonical text of a typed value (JSON: strings quoted, paths absolute), usable as a --set value
/// or in <see cref="ResolvedSpec.With"/>.
/// </summary>
public sealed record SweepParameter
{
    /// <summary>The dotted spec key, e.g. training.learning_rate.</summary>
    public string Key { get; init; } = "";

    [SpecKey("distribution"), SpecDoc("uniform and log_uniform sample between min and max (ints are rounded); choice picks from values.")]
    public SweepDistribution? Distribution { get; init; }

    [SpecKey("min"), SpecDoc("Lower bound of uniform and log_uniform (> 0 for log_uniform).")]
    public double? Min { get; init; }

    [SpecKey("max"), SpecDoc("Upper bound of uniform and log_uniform; greater than min.")]
    public double? Max { get; init; }

    [SpecKey("values"), SpecType("list of values of the swept key")]
    [SpecDoc("The values of a plain list or of choice.")]
    public IReadOnlyList<string> Values { get; init; } = [];
}
