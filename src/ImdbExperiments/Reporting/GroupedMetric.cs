namespace ImdbExperiments.Reporting;

/// <summary>One metric over a group's runs: the mean and the sample standard deviation (n − 1; NaN for n = 1) of each run's last value.</summary>
public sealed record GroupedMetric(double Mean, double StandardDeviation, int Count)
{
    /// <summary>The mean ± sample std of the finite values; null when there are none.</summary>
    public static GroupedMetric? Of(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0)
        {
            return null;
        }

        var mean = finite.Average();
        var std = finite.Count < 2 ? double.NaN : Math.Sqrt(finite.Sum(v => (v - mean) * (v - mean)) / (finite.Count - 1));
        return new GroupedMetric(mean, std, finite.Count);
    }

    /// <summary>"0.9100 ± 0.0123 (n=3)"; "0.9100 (n=1)" where one value has no spread.</summary>
    public string Format() => double.IsNaN(StandardDeviation)
        ? $"{ComparisonTable.FormatMetric(Mean)} (n={Count})"
        : $"{ComparisonTable.FormatMetric(Mean)} ± {ComparisonTable.FormatMetric(StandardDeviation)} (n={Count})";
}
