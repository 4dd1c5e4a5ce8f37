using System.Globalization;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Reporting;

/// <summary>Which <see cref="ParameterScale"/> each swept key gets: from the sweep spec where it says, else from the values.</summary>
public static class ParameterScales
{
    /// <summary>log_uniform → Log, uniform → Linear, choice → Categorical; a plain list says nothing (its values decide).</summary>
    public static IReadOnlyDictionary<string, ParameterScale> FromSpec(SweepSpec? sweep) =>
        sweep is null
            ? new Dictionary<string, ParameterScale>()
            : sweep.Parameters.Where(p => p.Distribution is not null).ToDictionary(
                p => p.Key,
                p => p.Distribution switch
                {
                    SweepDistribution.LogUniform => ParameterScale.Log,
                    SweepDistribution.Choice => ParameterScale.Categorical,
                    _ => ParameterScale.Linear,
                },
                StringComparer.Ordinal);

    /// <summary>
    /// The declared scale, else: Categorical when any value is not a finite number, Log for learning rates and positive
    /// values spanning a factor of 20 or more, Linear otherwise. A declared Log with a value ≤ 0 falls back to Linear.
    /// </summary>
    public static ParameterScale Resolve(string key, IReadOnlyList<string> values, IReadOnlyDictionary<string, ParameterScale>? declared)
    {
        var numbers = values.Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : (double?)null).ToList();
        var numeric = numbers.All(x => x is not null);
        if (declared is not null && declared.TryGetValue(key, out var scale) && (scale == ParameterScale.Categorical || numeric))
        {
            return scale == ParameterScale.Log && numbers.Any(x => x <= 0) ? ParameterScale.Linear : scale;
        }

        return !numeric ? ParameterScale.Categorical
            : ReportCharts.UseLogScale(key, [.. numbers.Select(x => x!.Value)]) ? ParameterScale.Log
            : ParameterScale.Linear;
    }
}
