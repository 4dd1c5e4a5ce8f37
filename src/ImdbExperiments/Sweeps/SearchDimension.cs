using ImdbExperiments.Specs;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// One swept key as the model-based samplers see it. Numbers are searched between <see cref="Low"/> and <see cref="High"/>
/// (in log space when <see cref="Log"/>; integers with a step of 1); a categorical key by the index of its value in
/// <see cref="Choices"/>.
/// </summary>
public sealed record SearchDimension(string Key, double Low, double High, bool Log, bool Integer, IReadOnlyList<string> Choices)
{
    public bool IsCategorical => Choices.Count > 0;

    /// <summary>The dimension of a sweep parameter: a plain list or choice is categorical; uniform and log_uniform are numeric.</summary>
    public static SearchDimension Of(SweepParameter parameter) => parameter.Distribution is null or SweepDistribution.Choice
        ? new SearchDimension(parameter.Key, 0, parameter.Values.Count - 1, false, false, parameter.Values)
        : Numeric(parameter.Key, parameter.Min!.Value, parameter.Max!.Value, parameter.Distribution == SweepDistribution.LogUniform, SweepPlanner.IsInteger(parameter.Key));

    public static SearchDimension Numeric(string key, double low, double high, bool log = false, bool integer = false) =>
        integer ? new SearchDimension(key, Math.Ceiling(low), Math.Floor(high), log, true, []) : new SearchDimension(key, low, high, log, false, []);

    /// <summary>The dimensions of a sweep's parameters in key order.</summary>
    public static IReadOnlyList<SearchDimension> Of(IEnumerable<SweepParameter> parameters) =>
        [.. parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(Of)];

    /// <summary>A uniform draw over the dimension (log-uniform when <see cref="Log"/>), as the TPE startup trials use.</summary>
    public double SampleUniform(Data.DeterministicRandom random)
    {
        if (IsCategorical)
        {
            return random.NextInt(Choices.Count);
        }

        // Integers: each value owns the interval of width 1 around it (a log integer's Low is at least 1, so Low - 0.5 > 0).
        var (low, high) = Integer ? (Low - 0.5, High + 0.5) : (Low, High);
        var u = random.NextDouble();
        var value = Log ? Math.Exp(Math.Log(low) + u * (Math.Log(high) - Math.Log(low))) : low + u * (high - low);
        return Snap(value);
    }

    /// <summary>A value moved onto the dimension: integers rounded (half away from zero) and clamped, numbers clamped.</summary>
    public double Snap(double value) => IsCategorical
        ? Math.Clamp(Math.Round(value), 0, Choices.Count - 1)
        : Integer ? Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), Low, High) : Math.Clamp(value, Low, High);
}
