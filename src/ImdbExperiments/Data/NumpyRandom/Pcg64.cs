namespace ImdbExperiments.Data.NumpyRandom;

/// <summary>
/// NumPy's <c>PCG64</c> bit generator (numpy/random/_pcg64.pyx, src/pcg64/pcg64.h): a 128-bit LCG with the XSL-RR
/// output, seeded from 4 uint64 words of a <see cref="SeedSequence"/> (words 0-1 the initial state, 2-3 the stream,
/// high word first). 32-bit draws use each 64-bit output twice, low half first, as NumPy's <c>next_uint32</c> does.
/// </summary>
public sealed class Pcg64
{
    private static readonly UInt128 Multiplier = new(2549297995355413924UL, 4865540595714422341UL);

    private UInt128 _state;
    private readonly UInt128 _increment;
    private bool _hasUInt32;
    private uint _uinteger;

    public Pcg64(SeedSequence seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var words = seed.GenerateState64(4);
        var initState = new UInt128(words[0], words[1]);
        var initSequence = new UInt128(words[2], words[3]);

        // pcg_setseq_128_srandom_r: the stream is odd, the state is stepped around the added seed.
        _increment = (initSequence << 1) | 1;
        _state = 0;
        Step();
        _state += initState;
        Step();
    }

    /// <summary>The next raw 64-bit output (NumPy's <c>random_raw</c> / <c>next_uint64</c>).</summary>
    public ulong NextUInt64()
    {
        Step();
        ulong high = (ulong)(_state >> 64);
        ulong low = (ulong)_state;
        return ulong.RotateRight(high ^ low, (int)(high >> 58));
    }

    /// <summary>NumPy's <c>next_uint32</c>: the low half of a fresh 64-bit output, then its buffered high half.</summary>
    public uint NextUInt32()
    {
        if (_hasUInt32)
        {
            _hasUInt32 = false;
            return _uinteger;
        }

        ulong next = NextUInt64();
        _hasUInt32 = true;
        _uinteger = (uint)(next >> 32);
        return (uint)next;
    }

    /// <summary>NumPy's <c>next_double</c>: the top 53 bits of a 64-bit output, in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    private void Step() => _state = (_state * Multiplier) + _increment;
}
