namespace ImdbExperiments.Specs;

/// <summary>A spec that cannot be loaded; <see cref="Errors"/> holds every problem found, one per message line.</summary>
public sealed class SpecException : Exception
{
    public SpecException(IReadOnlyList<SpecError> errors)
        : base(string.Join(Environment.NewLine, errors.Select(e => e.Message)))
    {
        if (errors.Count == 0)
        {
            throw new ArgumentException("A SpecException needs at least one error.", nameof(errors));
        }

        Errors = errors;
    }

    public IReadOnlyList<SpecError> Errors { get; }

    public string? File => Errors[0].File;

    public int Line => Errors[0].Line;

    public int Column => Errors[0].Column;

    public string Key => Errors[0].Key;

    public string? Value => Errors[0].Value;

    public IReadOnlyList<string> Allowed => Errors[0].Allowed;
}
