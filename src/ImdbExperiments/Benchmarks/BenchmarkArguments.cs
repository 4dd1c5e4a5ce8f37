using System.Globalization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Benchmarks;

/// <summary>Parses the bench command's comma-separated lists (--models minilm,bert-base --lengths 128,256 --precisions fp32,bf16).</summary>
public static class BenchmarkArguments
{
    public static string KnownModelNames => string.Join(", ", BenchmarkModel.Known.Select(m => m.Name));

    public static IReadOnlyList<BenchmarkModel> Models(string value) =>
        Items("--models", value, $"allowed models: {KnownModelNames}", name =>
            BenchmarkModel.Known.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)) is { } model
                ? (true, model) : (false, null!));

    public static IReadOnlyList<int> Lengths(string value) =>
        Items("--lengths", value, $"allowed: token counts from 2 to {BenchmarkOptions.MaxLength}, e.g. 128,256", text =>
            (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length is >= 2 and <= BenchmarkOptions.MaxLength, length));

    public static IReadOnlyList<TrainingPrecision> Precisions(string value) =>
        Items("--precisions", value, "allowed precisions: fp32, bf16", text => text.ToLowerInvariant() switch
        {
            "fp32" => (true, TrainingPrecision.Fp32),
            "bf16" => (true, TrainingPrecision.Bf16),
            _ => (false, default),
        });

    /// <summary>The distinct items of a comma-separated list, in order; the first that <paramref name="parse"/> rejects is an error.</summary>
    static IReadOnlyList<T> Items<T>(string option, string value, string allowed, Func<string, (bool Ok, T Item)> parse)
    {
        var items = new List<T>();
        foreach (var text in value.Split(',', StringSplitOptions.TrimEntries))
        {
            var (ok, item) = text.Length == 0 ? (false, default!) : parse(text);
            if (!ok)
                throw new ArgumentException($"{option} {(text.Length == 0 ? $"\"{value}\"" : text)} is not valid: {allowed}.");
            if (!items.Contains(item))
                items.Add(item);
        }
        return items;
    }
}
