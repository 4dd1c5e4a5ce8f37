namespace ImdbExperiments.Data;

/// <summary>
/// A pseudo-random generator whose outputs depend only on the seed: never on the OS, the .NET version or the
/// thread count (System.Random promises none of that).
/// <list type="bullet">
/// <item>Generator: xoshiro256** 1.0 (Blackman and Vigna, https://prng.di.unimi.it/xoshiro256starstar.c).</item>
/// <item>Seeding: the four state words are the first four outputs of SplitMix64 started at the seed
/// (https://prng.di.unimi.it/splitmix64.c), as the xoshiro authors recommend.</item>
/// <item>Streams: stream k is the generator advanced by k calls of the reference jump(), i.e. k * 2^128 steps,
/// so streams never overlap in practice.</item>
/// <item>Bounded integers: Lemire's multiply-shift with rejection ("Fast random integer generation in an
/// interval", 2019): exactly uniform.</item>
/// <item>Shuffle: Fisher-Yates from the last index down: for i = n-1 .. 1, swap i with NextInt(i + 1).</item>
/// </list>
/// Not thread-safe; not for cryptography.
/// </summary>
public sealed class DeterministicRandom
{
    private static readonly ulong[] JumpPolynomial =
        [0x180ec6d33cfd0abaUL, 0xd5a61266f0c9392cUL, 0xa9582618e03fc9aaUL, 0x39abdc4529b1661cUL];

    private ulong _s0, _s1, _s2, _s3;

    public DeterministicRandom(ulong seed, int stream = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stream);
        ulong sm = seed;
        _s0 = SplitMix64(ref sm);
        _s1 = SplitMix64(ref sm);
        _s2 = SplitMix64(ref sm);
        _s3 = SplitMix64(ref sm);
        for (int i = 0; i < stream; i++)
        {
            Jump();
        }
    }

    /// <summary>An int seed (as specs hold it) widened by two's complement: -1 becomes 0xFFFF_FFFF_FFFF_FFFF.</summary>
    public DeterministicRandom(int seed, int stream = 0)
        : this(unchecked((ulong)(long)seed), stream)
    {
    }

    /// <summary>The next 64 bits of xoshiro256**.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) (Lemire's method with rejection).</summary>
    public ulong NextUInt64(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            // Reject the few low products that would make some results more likely than others.
            ulong threshold = (0 - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return high;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)NextUInt64((ulong)maxExclusive);
    }

    /// <summary>A uniform double in [0, 1): the top 53 bits of the next output times 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Shuffles in place with Fisher-Yates (i from n-1 down to 1 swaps with NextInt(i + 1)).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Advances the state by 2^128 steps (the reference jump()).</summary>
    public void Jump()
    {
        ulong s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        foreach (ulong word in JumpPolynomial)
        {
            for (int b = 0; b < 64; b++)
            {
                if ((word & (1UL << b)) != 0)
                {
                    s0 ^= _s0;
                    s1 ^= _s1;
                    s2 ^= _s2;
                    s3 ^= _s3;
                }

                NextUInt64();
            }
        }

        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9e3779b97f4a7c15UL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
