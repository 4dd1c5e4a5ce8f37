namespace ImdbExperiments.Reporting;

/// <summary>How a swept key's axis is drawn in the report's sweep charts.</summary>
public enum ParameterScale
{
    /// <summary>Numbers, evenly spaced by value.</summary>
    Linear,

    /// <summary>Positive numbers, evenly spaced by their logarithm (log_uniform keys, learning rates).</summary>
    Log,

    /// <summary>One evenly spaced tick per distinct value (choice keys, text values).</summary>
    Categorical,
}
