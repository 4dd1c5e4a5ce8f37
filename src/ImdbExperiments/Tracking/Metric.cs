namespace ImdbExperiments.Tracking;

/// <summary>One metric point as MLflow stores it: key, value, timestamp (ms since the Unix epoch) and step.</summary>
public sealed record Metric(string Key, double Value, long TimestampMs, long Step)
{
    /// <summary>True when both points are the same MLflow metric row (MLflow's metrics table keys on all four; NaN equals NaN).</summary>
    public bool IsSamePointAs(Metric other) =>
        Key == other.Key && Step == other.Step && TimestampMs == other.TimestampMs
        && BitConverter.DoubleToInt64Bits(Normalize(Value)) == BitConverter.DoubleToInt64Bits(Normalize(other.Value));

    private static double Normalize(double value) => double.IsNaN(value) ? double.NaN : value == 0 ? 0.0 : value;
}
