namespace ImdbExperiments.Sweeps;

/// <summary>
/// The standard normal's log-CDF, the log of its mass between two points and its inverse CDF, accurate in the tails
/// (the Parzen estimators compare densities many standard deviations from a kernel).
/// </summary>
internal static class NormalMath
{
    private const double LogHalf = -0.6931471805599453;

    /// <summary>ln Φ(x), finite for every finite x.</summary>
    public static double LogCdf(double x) =>
        x < 0 ? LogHalf + LogErfc(-x / Math.Sqrt(2)) : Log1P(-0.5 * Math.Exp(LogErfc(x / Math.Sqrt(2))));

    /// <summary>ln(Φ(b) − Φ(a)) for a &lt; b, computed on the side of zero where the mass is not a difference of near-ones.</summary>
    public static double LogMass(double a, double b)
    {
        if (a >= b)
        {
            return double.NegativeInfinity;
        }

        if (a > 0)
        {
            (a, b) = (-b, -a); // symmetry: the same mass in the left tail, where log-CDFs are precise
        }

        var logB = LogCdf(b);
        var logA = LogCdf(a);
        return logB + Math.Log(-ExpM1(logA - logB));
    }

    /// <summary>ln φ(z), the standard normal density.</summary>
    public static double LogDensity(double z) => -0.5 * z * z - 0.9189385332046727;

    /// <summary>Φ⁻¹(p) for 0 &lt; p &lt; 1 (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    public static double InverseCdf(double p)
    {
        const double low = 0.02425, high = 1 - low;
        if (p <= 0)
        {
            return double.NegativeInfinity;
        }

        if (p >= 1)
        {
            return double.PositiveInfinity;
        }

        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
                / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q + 3.754408661907416e+00) * q + 1);
        }

        if (p > high)
        {
            return -InverseCdf(1 - p);
        }

        var r = p - 0.5;
        var s = r * r;
        return (((((-3.969683028665376e+01 * s + 2.209460984245205e+02) * s - 2.759285104469687e+02) * s + 1.383577518672690e+02) * s - 3.066479806614716e+01) * s + 2.506628277459239e+00) * r
            / (((((-5.447609879822406e+01 * s + 1.615858368580409e+02) * s - 1.556989798598866e+02) * s + 6.680131188771972e+01) * s - 1.328068155288572e+01) * s + 1);
    }

    /// <summary>A draw of N(0, 1) truncated to [a, b], by inverting the CDF on the side of zero with the larger tail mass.</summary>
    public static double SampleTruncated(double a, double b, double u)
    {
        if (a > 0)
        {
            return -SampleTruncated(-b, -a, 1 - u);
        }

        var logA = LogCdf(a);
        var logB = LogCdf(b);
        var p = Math.Exp(logA) + u * (Math.Exp(logB) - Math.Exp(logA));
        return Math.Clamp(InverseCdf(p), a, b);
    }

    // .NET's double.LogP1 and ExpM1 are log(1 + x) and exp(x) - 1 as written; the short series keep small x precise.
    private static double Log1P(double x) => Math.Abs(x) < 1e-4 ? x * (1 - x * (0.5 - x / 3)) : Math.Log(1 + x);

    private static double ExpM1(double x) => Math.Abs(x) < 1e-5 ? x * (1 + x * (0.5 + x / 6)) : Math.Exp(x) - 1;

    /// <summary>ln erfc(z) for z ≥ 0 (Numerical Recipes' Chebyshev fit, fractional error below 1.2e-7, no underflow in the tail).</summary>
    private static double LogErfc(double z)
    {
        var t = 1 / (1 + 0.5 * z);
        var poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        return Math.Log(t) + poly;
    }
}
