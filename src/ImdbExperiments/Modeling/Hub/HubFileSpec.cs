namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// One file a model needs: the first of <see cref="Candidates"/> that the repo has is downloaded;
/// an <see cref="Optional"/> file that the repo lacks is skipped. Text form: "model.safetensors|pytorch_model.bin",
/// "tokenizer_config.json?".
/// </summary>
public sealed record HubFileSpec
{
    public HubFileSpec(IReadOnlyList<string> candidates, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0 || candidates.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException($"A file spec needs one or more non-empty file names; got [{string.Join(", ", candidates)}].", nameof(candidates));
        Candidates = candidates.ToArray();
        Optional = optional;
    }

    /// <summary>File names in order of preference, relative to the repo root with '/' separators.</summary>
    public IReadOnlyList<string> Candidates { get; }

    public bool Optional { get; }

    /// <summary>What a BERT classifier needs: config, vocabulary, optional tokenizer settings, and safetensors weights (else PyTorch pickle).</summary>
    public static IReadOnlyList<HubFileSpec> BertModelFiles { get; } =
        [Parse("config.json"), Parse("vocab.txt"), Parse("tokenizer_config.json?"), Parse("model.safetensors|pytorch_model.bin")];

    /// <summary>Parses "a|b" (first that exists) with an optional trailing "?" (may be absent).</summary>
    public static HubFileSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = spec.Trim();
        var optional = text.EndsWith('?');
        if (optional)
            text = text[..^1];
        var candidates = text.Split('|', StringSplitOptions.TrimEntries);
        if (candidates.Any(c => c.Length == 0))
            throw new ArgumentException($"File spec '{spec}' has an empty file name; write 'name', 'name?' or 'first|second'.", nameof(spec));
        return new HubFileSpec(candidates, optional);
    }

    public override string ToString() => string.Join('|', Candidates) + (Optional ? "?" : "");

    public bool Equals(HubFileSpec? other) =>
        other is not null && Optional == other.Optional && Candidates.SequenceEqual(other.Candidates, StringComparer.Ordinal);

    public override int GetHashCode() =>
        Candidates.Aggregate(Optional.GetHashCode(), (hash, name) => HashCode.Combine(hash, StringComparer.Ordinal.GetHashCode(name)));
}
