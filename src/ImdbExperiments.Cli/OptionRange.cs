using System.Globalization;

namespace ImdbExperiments.Cli;

/// <summary>
/// The values a numeric option allows: <see cref="Min"/> to <see cref="Max"/> (below <see cref="Max"/> when
/// <see cref="MaxExclusive"/>), whole numbers only when <see cref="Whole"/>; <see cref="Word"/> is a word allowed besides (all).
/// </summary>
sealed record OptionRange(decimal Min, decimal Max, bool Whole = true, bool MaxExclusive = false, string? Word = null)
{
    public bool Contains(decimal value) => value >= Min && (MaxExclusive ? value < Max : value <= Max);

    /// <summary>What is allowed, as the end of a one-line error: "a whole number from 1 to 4096".</summary>
    public string Allowed
    {
        get
        {
            var range = Whole ? $"a whole number from {Text(Min)} to {Text(Max)}"
                : MaxExclusive ? $"a number in [{Text(Min)}, {Text(Max)})"
                : $"a number from {Text(Min)} to {Text(Max)}";
            return Word is null ? range : $"{range}, or {Word}";
        }
    }

    static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
