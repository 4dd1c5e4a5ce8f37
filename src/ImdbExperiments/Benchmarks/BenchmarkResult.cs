namespace ImdbExperiments.Benchmarks;

/// <summary>One measured figure: its name, value and unit, and what it was measured on.</summary>
public sealed record BenchmarkResult(string Name, double Value, string Unit, string Detail);
