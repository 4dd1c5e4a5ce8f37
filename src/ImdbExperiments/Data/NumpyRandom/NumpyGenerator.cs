using System.Numerics;

namespace ImdbExperiments.Data.NumpyRandom;

/// <summary>
/// The parts of NumPy's <c>np.random.Generator</c> (numpy/random/_generator.pyx) that <c>datasets</c> uses to split:
/// <c>default_rng(seed)</c>, <c>permutation(n)</c> and <c>random()</c>. Outputs equal NumPy's from 1.17 through 2.x.
/// </summary>
public sealed class NumpyGenerator
{
    private readonly Pcg64 _bits;

    public NumpyGenerator(Pcg64 bits)
    {
        ArgumentNullException.ThrowIfNull(bits);
        _bits = bits;
    }

    /// <summary><c>np.random.default_rng(seed)</c>: PCG64 seeded by <c>SeedSequence(seed)</c>.</summary>
    public static NumpyGenerator DefaultRng(BigInteger seed) => new(new Pcg64(SeedSequence.FromInteger(seed)));

    /// <summary><c>Generator.random()</c>: one double in [0, 1).</summary>
    public double Random() => _bits.NextDouble();

    /// <summary>
    /// <c>Generator.permutation(n)</c>: <c>np.arange(n)</c> shuffled in place by <c>shuffle</c>'s 1-d path
    /// (<c>_shuffle_raw</c>): Fisher-Yates from the last index down to 1, each j drawn by <see cref="Interval"/>.
    /// </summary>
    public long[] Permutation(int n, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var items = new long[n];
        for (int i = 0; i < n; i++)
        {
            items[i] = i;
        }

        for (int i = n - 1; i >= 1; i--)
        {
            if ((i & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            int j = (int)Interval((ulong)i);
            (items[i], items[j]) = (items[j], items[i]);
        }

        return items;
    }

    /// <summary>
    /// <c>random_interval(max)</c> (src/distributions/distributions.c): uniform in [0, max] by masked rejection, with
    /// 32-bit draws when max fits in 32 bits and 64-bit draws otherwise.
    /// </summary>
    public ulong Interval(ulong max)
    {
        if (max == 0)
        {
            return 0;
        }

        ulong mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        mask |= mask >> 32;

        ulong value;
        if (max <= uint.MaxValue)
        {
            while ((value = _bits.NextUInt32() & mask) > max)
            {
            }
        }
        else
        {
            while ((value = _bits.NextUInt64() & mask) > max)
            {
            }
        }

        return value;
    }
}
