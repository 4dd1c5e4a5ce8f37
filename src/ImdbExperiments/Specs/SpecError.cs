namespace ImdbExperiments.Specs;

/// <summary>One problem in a spec, pointing at the file position or the --set override that caused it.</summary>
public sealed record SpecError
{
    /// <summary>Full path of the file, or null for a command-line override or a problem with no file.</summary>
    public string? File { get; init; }

    /// <summary>1-based line, or 0 when the problem concerns the file as a whole.</summary>
    public int Line { get; init; }

    public int Column { get; init; }

    /// <summary>The override (e.g. "--set training.batch_size=abc") when the value came from one.</summary>
    public string? Override { get; init; }

    /// <summary>Dotted key, e.g. training.learning_rate.</summary>
    public string Key { get; init; } = "";

    /// <summary>The offending value or key as written, when there is one.</summary>
    public string? Value { get; init; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; init; } = "";

    /// <summary>The allowed keys, values or range, when they can be listed.</summary>
    public IReadOnlyList<string> Allowed { get; init; } = [];

    /// <summary>The full one-line message: location, key, problem.</summary>
    public string Message { get; init; } = "";

    public override string ToString() => Message;

    internal static SpecError At(SpecOrigin origin, string key, string? value, string problem, IReadOnlyList<string>? allowed, string workingDirectory)
    {
        string location;
        if (origin.Override is not null)
        {
            // The override already names the key when the problem is about that key itself.
            location = origin.OverrideKey == key ? origin.Override : $"{origin.Override}: {key}";
        }
        else if (origin.File is not null)
        {
            var file = SpecPaths.Display(origin.File, workingDirectory);
            var position = origin.Line > 0 ? $"{file}:{origin.Line}:{origin.Column}" : file;
            location = key.Length == 0 ? position : $"{position}: {key}";
        }
        else
        {
            location = key;
        }

        return new SpecError
        {
            File = origin.File,
            Line = origin.Line,
            Column = origin.Column,
            Override = origin.Override,
            Key = key,
            Value = value,
            Problem = problem,
            Allowed = allowed ?? [],
            Message = location.Length == 0 ? problem : $"{location}: {problem}",
        };
    }
}
