namespace ImdbExperiments.Sweeps;

/// <summary>One pending trial of a fan-out plan.</summary>
/// <param name="Arguments">The command as an argument vector (no shell needed to run it).</param>
/// <param name="Command">The same command as one POSIX shell line, quoted.</param>
public sealed record SweepPlanEntry(
    string Trial,
    int Index,
    IReadOnlyDictionary<string, string> Overrides,
    string SpecHash,
    IReadOnlyList<string> Arguments,
    string Command);
