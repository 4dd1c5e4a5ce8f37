namespace ImdbExperiments.Sweeps;

/// <summary>How a fan-out command runs one trial: the program and the spelling of its options.</summary>
public sealed record SweepCommandStyle
{
    /// <summary>The program and its fixed arguments, e.g. imdbx train.</summary>
    public required IReadOnlyList<string> Program { get; init; }

    public string ExperimentOption { get; init; } = "--experiment";

    public string SetOption { get; init; } = "--set";

    /// <summary>--experiment=x (Cake's syntax) rather than --experiment x.</summary>
    public bool JoinWithEquals { get; init; }

    /// <summary>The sweep's own --set values (key=value), repeated in every trial's command before the trial's values.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>Arguments after the overrides for one trial, e.g. a run name; none by default.</summary>
    public Func<SweepTrial, IEnumerable<string>>? TrialArguments { get; init; }

    /// <summary><c>imdbx train --experiment X --set k=v ...</c></summary>
    public static SweepCommandStyle Imdbx { get; } = new() { Program = ["imdbx", "train"] };

    /// <summary><c>dotnet cake --target=Train --experiment=X --set=k=v ...</c></summary>
    public static SweepCommandStyle Cake { get; } = new() { Program = ["dotnet", "cake", "--target=Train"], JoinWithEquals = true };
}
