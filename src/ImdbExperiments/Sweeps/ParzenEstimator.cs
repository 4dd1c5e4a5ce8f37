using ImdbExperiments.Data;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// A Parzen estimator as Optuna's TPE builds it (optuna/samplers/_tpe/parzen_estimator.py, v5.0.0-rc1): a mixture of one
/// kernel per observation plus a prior kernel, weighted by <see cref="TpeSampler.DefaultWeights"/> and the prior weight; each
/// kernel is a product over the estimator's dimensions (one for univariate TPE, all of them for multivariate), so a draw picks
/// one kernel for every dimension (probability_distributions.py, _MixtureOfProductDistribution).
/// Numbers: truncated normals on [low, high] (in log space for log keys; integers widened by half a step and summed over
/// their step); each kernel's sigma is the larger distance to its sorted neighbours among the observations of its key (the
/// range ends count as neighbours only with consider_endpoints; the prior is not among them since Optuna 4.9), clipped to
/// [range / min(100, 1 + kernels), range] (the magic clip); the prior sits mid-range with sigma = range. Categories: each
/// kernel puts prior_weight / kernels on every choice plus 1 on its own, normalized.
/// </summary>
internal sealed class ParzenEstimator
{
    private readonly IReadOnlyList<SearchDimension> _dimensions;
    private readonly double[] _weights;
    private readonly Kernels[] _kernels;

    /// <summary>A univariate estimator of one dimension.</summary>
    public ParzenEstimator(SearchDimension dimension, IReadOnlyList<double> observations, double priorWeight, bool considerEndpoints, bool magicClip)
        : this([dimension], [.. observations.Select(o => new[] { o })], priorWeight, considerEndpoints, magicClip)
    {
    }

    /// <param name="observations">One row per trial, one value per dimension in <paramref name="dimensions"/>' order.</param>
    public ParzenEstimator(IReadOnlyList<SearchDimension> dimensions, IReadOnlyList<double[]> observations, double priorWeight, bool considerEndpoints, bool magicClip)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(priorWeight);
        _dimensions = dimensions;
        var n = observations.Count;
        _weights = n == 0 ? [1.0] : [.. TpeSampler.DefaultWeights(n), priorWeight];
        var total = _weights.Sum();
        for (var i = 0; i < _weights.Length; i++)
        {
            _weights[i] /= total;
        }

        _kernels = new Kernels[dimensions.Count];
        for (var d = 0; d < dimensions.Count; d++)
        {
            var column = observations.Select(o => o[d]).ToArray();
            _kernels[d] = dimensions[d].IsCategorical
                ? Categorical(dimensions[d], column, priorWeight)
                : Numerical(dimensions[d], column, considerEndpoints, magicClip);
        }
    }

    /// <summary>The kernels' centres and widths of a numeric dimension, in its search units (log for log keys); the prior last.</summary>
    internal (double[] Mus, double[] Sigmas) KernelsOf(int dimension) => (_kernels[dimension].Mus, _kernels[dimension].Sigmas);

    /// <summary>A draw from the mixture: a kernel by weight, then a value per dimension from it, in the dimensions' own units.</summary>
    public double[] Sample(DeterministicRandom random)
    {
        var kernel = Pick(_weights, random.NextDouble());
        var point = new double[_dimensions.Count];
        for (var d = 0; d < _dimensions.Count; d++)
        {
            point[d] = SampleKernel(d, kernel, random);
        }

        return point;
    }

    /// <summary>ln of the mixture's density (integers, categories: probability) at a point.</summary>
    public double LogPdf(IReadOnlyList<double> point)
    {
        var terms = new double[_weights.Length];
        for (var k = 0; k < _weights.Length; k++)
        {
            terms[k] = Math.Log(_weights[k]);
            for (var d = 0; d < _dimensions.Count; d++)
            {
                terms[k] += KernelLogPdf(d, k, point[d]);
            }
        }

        var max = terms.Max();
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    /// <summary>ln of a univariate estimator's density at a value.</summary>
    public double LogPdf(double value) => LogPdf([value]);

    private double SampleKernel(int d, int kernel, DeterministicRandom random)
    {
        var dimension = _dimensions[d];
        var kernels = _kernels[d];
        if (dimension.IsCategorical)
        {
            return Pick(kernels.Categories[kernel], random.NextDouble());
        }

        double mu = kernels.Mus[kernel], sigma = kernels.Sigmas[kernel];
        var z = NormalMath.SampleTruncated((kernels.Low - mu) / sigma, (kernels.High - mu) / sigma, random.NextDouble());
        var x = mu + sigma * z;
        return dimension.Snap(dimension.Log ? Math.Exp(x) : x);
    }

    private double KernelLogPdf(int d, int kernel, double value)
    {
        var dimension = _dimensions[d];
        var kernels = _kernels[d];
        if (dimension.IsCategorical)
        {
            return Math.Log(kernels.Categories[kernel][(int)value]);
        }

        double mu = kernels.Mus[kernel], sigma = kernels.Sigmas[kernel];
        var logNormalizer = NormalMath.LogMass((kernels.Low - mu) / sigma, (kernels.High - mu) / sigma);
        if (dimension.Integer)
        {
            double lo = Transform(dimension, value - 0.5), hi = Transform(dimension, value + 0.5);
            return NormalMath.LogMass((lo - mu) / sigma, (hi - mu) / sigma) - logNormalizer;
        }

        var z = (Transform(dimension, value) - mu) / sigma;
        return NormalMath.LogDensity(z) - Math.Log(sigma) - logNormalizer;
    }

    private static Kernels Categorical(SearchDimension dimension, double[] observations, double priorWeight)
    {
        var n = observations.Length;
        var choices = dimension.Choices.Count;
        var count = n == 0 ? 1 : n + 1;
        var categories = new double[count][];
        for (var k = 0; k < count; k++)
        {
            var row = Enumerable.Repeat(n == 0 ? 1.0 / choices : priorWeight / count, choices).ToArray();
            if (k < n)
            {
                row[(int)observations[k]] += 1;
            }

            var sum = row.Sum();
            categories[k] = [.. row.Select(w => sum == 0 ? w : w / sum)];
        }

        return new Kernels([], [], 0, 0, categories);
    }

    private static Kernels Numerical(SearchDimension dimension, double[] observations, bool considerEndpoints, bool magicClip)
    {
        var (low, high) = dimension.Integer ? (dimension.Low - 0.5, dimension.High + 0.5) : (dimension.Low, dimension.High);
        if (dimension.Log)
        {
            (low, high) = (Math.Log(low), Math.Log(high));
        }

        var n = observations.Length;
        var mus = observations.Select(o => Transform(dimension, o)).ToArray();
        var range = high - low;
        // Univariate and multivariate alike (Optuna 5.0's rule; 4.9's multivariate used 0.2 · n^(−1/(d+4)) · range).
        var order = Enumerable.Range(0, n).OrderBy(i => mus[i]).ToArray();
        var sorted = new double[n + 2];
        sorted[0] = low;
        sorted[^1] = high;
        for (var i = 0; i < n; i++)
        {
            sorted[i + 1] = mus[order[i]];
        }

        var sortedSigmas = new double[n];
        for (var i = 0; i < n; i++)
        {
            sortedSigmas[i] = Math.Max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
        }

        if (!considerEndpoints && sorted.Length >= 4)
        {
            sortedSigmas[0] = sorted[2] - sorted[1];
            sortedSigmas[^1] = sorted[^2] - sorted[^3];
        }

        var sigmas = new double[n];
        for (var i = 0; i < n; i++)
        {
            sigmas[order[i]] = sortedSigmas[i];
        }

        var minSigma = magicClip ? range / Math.Min(100.0, 1.0 + (n + 1)) : 1e-12;
        for (var i = 0; i < n; i++)
        {
            sigmas[i] = Math.Clamp(sigmas[i], minSigma, range);
        }

        return new Kernels([.. mus, 0.5 * (low + high)], [.. sigmas, range], low, high, []);
    }

    private static double Transform(SearchDimension dimension, double value) => dimension.Log ? Math.Log(value) : value;

    private static int Pick(double[] probabilities, double u)
    {
        var cumulative = 0.0;
        for (var i = 0; i < probabilities.Length - 1; i++)
        {
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }

        return probabilities.Length - 1;
    }

    /// <summary>One dimension's kernels: centres, widths and the truncation range (numbers), or each kernel's choice probabilities.</summary>
    private sealed record Kernels(double[] Mus, double[] Sigmas, double Low, double High, double[][] Categories);
}
