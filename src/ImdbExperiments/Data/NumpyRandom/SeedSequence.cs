using System.Numerics;

namespace ImdbExperiments.Data.NumpyRandom;

/// <summary>
/// NumPy's <c>np.random.SeedSequence</c> (numpy/random/bit_generator.pyx), without spawn keys: entropy as uint32 words
/// (an integer is split into words lowest first, 0 is one zero word), hashed into a pool of 4 words, from which
/// <see cref="GenerateState"/> draws seeding words. Same words in, same words out as NumPy 1.17 and later.
/// </summary>
public sealed class SeedSequence
{
    private const int PoolSize = 4;
    private const uint InitA = 0x43b0d7e5;
    private const uint MultA = 0x931e8875;
    private const uint InitB = 0x8b51f9dd;
    private const uint MultB = 0x58f38ded;
    private const uint MixMultL = 0xca01f9dd;
    private const uint MixMultR = 0x4973f715;
    private const int XShift = 16; // half the bits of a uint32

    private readonly uint[] _pool = new uint[PoolSize];

    /// <summary>A sequence from entropy words, as NumPy's <c>SeedSequence([w0, w1, ...])</c> with each word below 2^32.</summary>
    public SeedSequence(IReadOnlyList<uint> entropyWords)
    {
        ArgumentNullException.ThrowIfNull(entropyWords);
        if (entropyWords.Count == 0)
        {
            throw new ArgumentException("A seed sequence needs at least one entropy word.", nameof(entropyWords));
        }

        MixEntropy(entropyWords);
    }

    /// <summary>NumPy's <c>SeedSequence(n)</c> for a non-negative integer, the path <c>default_rng(seed)</c> takes.</summary>
    public static SeedSequence FromInteger(BigInteger entropy)
    {
        if (entropy.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(entropy), entropy, "A seed must be a non-negative integer (as NumPy requires).");
        }

        var words = new List<uint>();
        if (entropy.IsZero)
        {
            words.Add(0);
        }

        while (entropy > 0)
        {
            words.Add((uint)(entropy & uint.MaxValue));
            entropy >>= 32;
        }

        return new SeedSequence(words);
    }

    /// <summary><c>generate_state(n_words, np.uint32)</c>.</summary>
    public uint[] GenerateState(int words)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(words);
        uint hashConst = InitB;
        var state = new uint[words];
        for (int i = 0; i < words; i++)
        {
            uint value = _pool[i % PoolSize];
            value ^= hashConst;
            hashConst *= MultB;
            value *= hashConst;
            value ^= value >> XShift;
            state[i] = value;
        }

        return state;
    }

    /// <summary><c>generate_state(n_words, np.uint64)</c>: twice the uint32 words, paired little-endian (low word first).</summary>
    public ulong[] GenerateState64(int words)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(words);
        var halves = GenerateState(checked(words * 2));
        var state = new ulong[words];
        for (int i = 0; i < words; i++)
        {
            state[i] = halves[2 * i] | ((ulong)halves[(2 * i) + 1] << 32);
        }

        return state;
    }

    private void MixEntropy(IReadOnlyList<uint> entropy)
    {
        uint hashConst = InitA;
        for (int i = 0; i < PoolSize; i++)
        {
            _pool[i] = HashMix(i < entropy.Count ? entropy[i] : 0, ref hashConst);
        }

        // Every pool word into every other, so late words affect early ones.
        for (int src = 0; src < PoolSize; src++)
        {
            for (int dst = 0; dst < PoolSize; dst++)
            {
                if (src != dst)
                {
                    _pool[dst] = Mix(_pool[dst], HashMix(_pool[src], ref hashConst));
                }
            }
        }

        for (int src = PoolSize; src < entropy.Count; src++)
        {
            for (int dst = 0; dst < PoolSize; dst++)
            {
                _pool[dst] = Mix(_pool[dst], HashMix(entropy[src], ref hashConst));
            }
        }
    }

    private static uint HashMix(uint value, ref uint hashConst)
    {
        value ^= hashConst;
        hashConst *= MultA;
        value *= hashConst;
        value ^= value >> XShift;
        return value;
    }

    private static uint Mix(uint x, uint y)
    {
        uint result = (MixMultL * x) - (MixMultR * y);
        return result ^ (result >> XShift);
    }
}
