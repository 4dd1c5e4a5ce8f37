using System.Globalization;
using ImdbExperiments.Data;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// Expands a sweep spec into its trials, each resolved and validated before anything runs.
/// <list type="bullet">
/// <item>grid: the cartesian product of the parameters' values; parameters in key order, the last key varying fastest.</item>
/// <item>random: <c>trials</c> samples from a <see cref="DeterministicRandom"/> seeded by <c>sweep.seed</c>, else the spec's
/// <c>seed</c>; per trial, one draw per parameter in key order. uniform: min + u (max - min); log_uniform:
/// exp(ln min + u (ln max - ln min)); choice (or a plain list): values[NextInt(count)]. Integer keys are rounded half away
/// from zero and kept within [ceil(min), floor(max)]; doubles are rounded to 6 significant digits, so trial params read well.</item>
/// <item>list: the trials of <c>sweep.list</c> in order.</item>
/// </list>
/// The same sweep spec always gives the same trials.
/// </summary>
public static class SweepPlanner
{
    private const int SignificantDigits = 6;

    /// <exception cref="ArgumentException">The spec has no sweep section.</exception>
    /// <exception cref="SpecException">A trial is not a valid experiment (a cross-key rule it breaks).</exception>
    public static IReadOnlyList<SweepTrial> Plan(ResolvedSpec sweep)
    {
        var spec = sweep.Spec.Sweep
            ?? throw new ArgumentException($"'{sweep.SourcePath}' has no sweep section; add one (sweep.parameters or sweep.list) to run it as a sweep.", nameof(sweep));
        var overrides = spec.Method switch
        {
            SweepMethod.Grid => Grid(spec.Parameters),
            SweepMethod.Random => Random(spec, sweep.Spec.Seed),
            SweepMethod.List => spec.List.Select(Sorted).ToList(),
            SweepMethod.Tpe => throw new ArgumentException(
                $"'{sweep.SourcePath}' has sweep.method: tpe, which proposes each trial from the results of those before it; run it with the Sweep target (imdbx sweep), there is no plan to print ahead.", nameof(sweep)),
            _ => throw new ArgumentOutOfRangeException(nameof(sweep), spec.Method, "Unknown sweep method."),
        };

        return [.. overrides.Select((values, i) => new SweepTrial(i, TrialName(i, overrides.Count), values, sweep.With(values)))];
    }

    /// <summary>trial-000 ...: at least three digits, as many as the largest index of <paramref name="count"/> trials needs.</summary>
    internal static string TrialName(int index, int count) =>
        "trial-" + index.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(3, (count - 1).ToString(CultureInfo.InvariantCulture).Length), '0');

    private static List<IReadOnlyDictionary<string, string>> Grid(IReadOnlyList<SweepParameter> parameters)
    {
        IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> combinations = [[]];
        foreach (var parameter in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var current = parameter;
            combinations = combinations.SelectMany(c => current.Values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. c, KeyValuePair.Create(current.Key, v)]));
        }

        return [.. combinations.Select(Sorted)];
    }

    private static List<IReadOnlyDictionary<string, string>> Random(SweepSpec spec, int specSeed)
    {
        var random = new DeterministicRandom(spec.Seed ?? specSeed);
        var parameters = spec.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var trials = new List<IReadOnlyDictionary<string, string>>();
        for (var t = 0; t < (spec.Trials ?? 0); t++)
        {
            trials.Add(Sorted(parameters.Select(p => KeyValuePair.Create(p.Key, Sample(p, random)))));
        }

        return trials;
    }

    /// <summary>One value text of a random-sweep parameter.</summary>
    internal static string Sample(SweepParameter parameter, DeterministicRandom random)
    {
        if (parameter.Distribution is null or SweepDistribution.Choice)
        {
            return parameter.Values[random.NextInt(parameter.Values.Count)];
        }

        double min = parameter.Min!.Value, max = parameter.Max!.Value;
        var u = random.NextDouble();
        var value = parameter.Distribution == SweepDistribution.LogUniform
            ? Math.Exp(Math.Log(min) + u * (Math.Log(max) - Math.Log(min)))
            : min + u * (max - min);
        return NumberText(parameter, value);
    }

    /// <summary>The value text of a number drawn for a uniform or log_uniform parameter.</summary>
    internal static string NumberText(SweepParameter parameter, double value)
    {
        double min = parameter.Min!.Value, max = parameter.Max!.Value;
        if (IsInteger(parameter.Key))
        {
            var rounded = Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), Math.Ceiling(min), Math.Floor(max));
            return ((long)rounded).ToString(CultureInfo.InvariantCulture);
        }

        // Rounding may step just outside [min, max]; the bounds themselves are always allowed.
        var readable = Math.Clamp(double.Parse(value.ToString("G" + SignificantDigits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), min, max);
        return readable.ToString("R", CultureInfo.InvariantCulture);
    }

    internal static bool IsInteger(string key) =>
        SpecSchema.Find(key)?.Type is { } type && (type == "int" || type.StartsWith("int ", StringComparison.Ordinal));

    private static IReadOnlyDictionary<string, string> Sorted(IEnumerable<KeyValuePair<string, string>> values) =>
        new SortedDictionary<string, string>(values.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}
