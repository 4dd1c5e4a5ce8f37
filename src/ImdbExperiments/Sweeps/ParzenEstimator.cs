using ImdbExperiments.Data;

namespace ImdbExperiments.Sweeps;

/// <summary>
/// A one-dimensional Parzen estimator as Optuna's univariate TPE builds it (optuna/samplers/_tpe/parzen_estimator.py):
/// one kernel per observation plus a prior kernel, mixed with <see cref="TpeSampler.DefaultWeights"/> and the prior weight.
/// Numbers: truncated normals on [low, high] (in log space for log keys; integers widened by half a step and summed over
/// their step), each kernel's sigma the larger distance to its sorted neighbours (the range ends count as neighbours only
/// with consider_endpoints), clipped to [range / min(100, 1 + kernels), range] (the magic clip); the prior sits mid-range
/// with sigma = range. Categories: each kernel puts prior_weight / kernels on every choice plus 1 on its own, normalized.
/// </summary>
internal sealed class ParzenEstimator
{
    private readonly SearchDimension _dimension;
    private readonly double[] _weights;
    private readonly double[] _mus = [];
    private readonly double[] _sigmas = [];
    private readonly double[][] _categories = [];
    private readonly double _low, _high;

    public ParzenEstimator(SearchDimension dimension, IReadOnlyList<double> observations, double priorWeight, bool considerEndpoints, bool magicClip)
    {
        _dimension = dimension;
        var n = observations.Count;
        _weights = n == 0 ? [1.0] : [.. TpeSampler.DefaultWeights(n), priorWeight];
        var total = _weights.Sum();
        for (var i = 0; i < _weights.Length; i++)
        {
            _weights[i] /= total;
        }

        if (dimension.IsCategorical)
        {
            var choices = dimension.Choices.Count;
            var kernels = n == 0 ? 1 : n + 1;
            _categories = new double[kernels][];
            for (var k = 0; k < kernels; k++)
            {
                var row = Enumerable.Repeat(n == 0 ? 1.0 / choices : priorWeight / kernels, choices).ToArray();
                if (k < n)
                {
                    row[(int)observations[k]] += 1;
                }

                var sum = row.Sum();
                _categories[k] = [.. row.Select(w => w / sum)];
            }

            return;
        }

        (_low, _high) = dimension.Integer ? (dimension.Low - 0.5, dimension.High + 0.5) : (dimension.Low, dimension.High);
        if (dimension.Log)
        {
            (_low, _high) = (Math.Log(_low), Math.Log(_high));
        }

        var mus = observations.Select(Transform).ToArray();
        var range = _high - _low;
        var prior = 0.5 * (_low + _high);
        var withPrior = mus.Append(prior).ToArray();
        var order = Enumerable.Range(0, withPrior.Length).OrderBy(i => withPrior[i]).ToArray();
        var sorted = new double[withPrior.Length + 2];
        sorted[0] = _low;
        sorted[^1] = _high;
        for (var i = 0; i < order.Length; i++)
        {
            sorted[i + 1] = withPrior[order[i]];
        }

        var sortedSigmas = new double[withPrior.Length];
        for (var i = 0; i < withPrior.Length; i++)
        {
            sortedSigmas[i] = Math.Max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
        }

        if (!considerEndpoints && sorted.Length >= 4)
        {
            sortedSigmas[0] = sorted[2] - sorted[1];
            sortedSigmas[^1] = sorted[^2] - sorted[^3];
        }

        var minSigma = magicClip ? range / Math.Min(100.0, 1.0 + (n + 1)) : 1e-12;
        var sigmas = new double[n];
        for (var i = 0; i < order.Length; i++)
        {
            if (order[i] < n)
            {
                sigmas[order[i]] = Math.Clamp(sortedSigmas[i], minSigma, range);
            }
        }

        _mus = [.. mus, prior];
        _sigmas = [.. sigmas, range];
    }

    /// <summary>A draw from the mixture: a kernel by weight, then a value from it, in the dimension's own units.</summary>
    public double Sample(DeterministicRandom random)
    {
        var kernel = Pick(_weights, random.NextDouble());
        if (_dimension.IsCategorical)
        {
            return Pick(_categories[kernel], random.NextDouble());
        }

        double mu = _mus[kernel], sigma = _sigmas[kernel];
        var z = NormalMath.SampleTruncated((_low - mu) / sigma, (_high - mu) / sigma, random.NextDouble());
        var x = mu + sigma * z;
        return _dimension.Snap(_dimension.Log ? Math.Exp(x) : x);
    }

    /// <summary>ln of the mixture's density (integers, categories: probability) at a value of the dimension.</summary>
    public double LogPdf(double value)
    {
        var terms = new double[_weights.Length];
        for (var k = 0; k < _weights.Length; k++)
        {
            terms[k] = Math.Log(_weights[k]) + KernelLogPdf(k, value);
        }

        var max = terms.Max();
        return double.IsNegativeInfinity(max) ? max : max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    private double KernelLogPdf(int kernel, double value)
    {
        if (_dimension.IsCategorical)
        {
            return Math.Log(_categories[kernel][(int)value]);
        }

        double mu = _mus[kernel], sigma = _sigmas[kernel];
        var logNormalizer = NormalMath.LogMass((_low - mu) / sigma, (_high - mu) / sigma);
        if (_dimension.Integer)
        {
            double lo = Transform(value - 0.5), hi = Transform(value + 0.5);
            return NormalMath.LogMass((lo - mu) / sigma, (hi - mu) / sigma) - logNormalizer;
        }

        var z = (Transform(value) - mu) / sigma;
        return NormalMath.LogDensity(z) - Math.Log(sigma) - logNormalizer;
    }

    private double Transform(double value) => _dimension.Log ? Math.Log(value) : value;

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
}
