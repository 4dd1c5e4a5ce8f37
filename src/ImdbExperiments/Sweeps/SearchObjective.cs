using ImdbExperiments.Data;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// A synthetic objective with a known optimum for <see cref="SearchBench"/>, to be maximized: a trial's learning curve over
/// <see cref="Evaluations"/> evaluations approaches its noiseless <see cref="Value"/>, and carries evaluation noise.
/// </summary>
public sealed record SearchObjective(string Name, IReadOnlyList<SearchDimension> Space, double Optimum, Func<IReadOnlyDictionary<string, double>, double> Value, int Evaluations, double Noise)
{
    /// <summary>
    /// A fine-tuning-like response: validation F1 peaks at learning rate 3e-4 (quadratic in log10) and batch size 32
    /// (quadratic in log2, weaker), 0.92 at best.
    /// </summary>
    public static SearchObjective LearningRateBatch { get; } = new(
        "lr x batch",
        [SearchDimension.Numeric("lr", 1e-6, 1e-1, log: true), SearchDimension.Numeric("batch", 4, 256, integer: true)],
        0.92,
        p => 0.92 - 0.04 * Math.Pow(Math.Log10(p["lr"]) - Math.Log10(3e-4), 2) - 0.01 * Math.Pow(Math.Log2(p["batch"]) - 5, 2),
        Evaluations: 9,
        Noise: 0.003);

    /// <summary>The Branin function on x1 in [-5, 10], x2 in [0, 15], negated: its three global maxima are -0.397887.</summary>
    public static SearchObjective Branin { get; } = new(
        "branin",
        [SearchDimension.Numeric("x1", -5, 10), SearchDimension.Numeric("x2", 0, 15)],
        -0.397887357729738,
        p =>
        {
            double x1 = p["x1"], x2 = p["x2"];
            const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
            return -(Math.Pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.Cos(x1) + 10);
        },
        Evaluations: 9,
        Noise: 0.05);

    /// <summary>
    /// The trial's metric after each evaluation: it climbs from well below its final value (a gap of 0.6^e of the
    /// objective's typical spread), so early evaluations rank trials much as the final ones do, plus noise.
    /// </summary>
    public IReadOnlyList<double> Curve(IReadOnlyDictionary<string, double> point, DeterministicRandom noise)
    {
        var final = Value(point);
        var spread = Name == "branin" ? 30.0 : 0.3;
        var curve = new double[Evaluations];
        for (var e = 1; e <= Evaluations; e++)
        {
            curve[e - 1] = final - spread * Math.Pow(0.6, e) + Noise * Gaussian(noise);
        }

        return curve;
    }

    private static double Gaussian(DeterministicRandom random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
