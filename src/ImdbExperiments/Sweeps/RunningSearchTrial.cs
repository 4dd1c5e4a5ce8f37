namespace ImdbExperiments.Sweeps;

/// <summary>A proposed trial that has not finished (running, or left by a worker that died), as TPE's constant liar sees it.</summary>
/// <param name="Point">Dimension key → value, as in <see cref="SearchTrial.Point"/>.</param>
public sealed record RunningSearchTrial(int Index, IReadOnlyDictionary<string, double> Point);
