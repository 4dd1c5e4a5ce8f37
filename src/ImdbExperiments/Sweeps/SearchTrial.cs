namespace ImdbExperiments.Sweeps;

/// <summary>A finished trial as the model-based samplers and pruners see it.</summary>
/// <param name="Point">Dimension key → value (numbers as such, categorical keys as the index of their value).</param>
/// <param name="Value">The sweep metric of a completed trial; null when it has none.</param>
/// <param name="Evaluations">The metric after each evaluation (a pruned trial's partial curve).</param>
public sealed record SearchTrial(int Index, IReadOnlyDictionary<string, double> Point, TrialStatus Status, double? Value, IReadOnlyList<double> Evaluations);
