using ImdbExperiments.Data.NumpyRandom;

namespace ImdbExperiments.Tests.Data.NumpyRandom;

public sealed class Pcg64Tests
{
    // numpy/random/tests/data/pcg64-testset-1.csv (seed 0xdeadbeaf) and pcg64-testset-2.csv (seed 0x0): the first
    // 1000 outputs of PCG64(seed).random_raw(), which test_direct.py TestPCG64 checks NumPy against. Indices 0-15,
    // 498, 499, 998 and 999 are pinned here.
    private static readonly (int Index, ulong Value)[] DeadBeaf =
    [
        (0, 0x60d24054e17a0698), (1, 0xd5e79d89856e4f12), (2, 0xd254972fe64bd782), (3, 0xf1e3072a53c72571),
        (4, 0xd7c1d7393d4115c9), (5, 0x77b75928b763e1e2), (6, 0xee6dee05190f7909), (7, 0x15f7b1c51d7fa319),
        (8, 0x27e44105f26ac2d7), (9, 0xcc0d88b29e5b415), (10, 0xe07b1a90c685e361), (11, 0xd2e430240de95e38),
        (12, 0x3260bca9a24ca9da), (13, 0x9b3cf2e92385adb7), (14, 0x30b5514548271976), (15, 0xa3a1fa16c124faf9),
        (498, 0x8d0d21d7dfb6c254), (499, 0x90bad90502a33603), (998, 0xcda423e5ad43b290), (999, 0xa5cb380b8de10d10),
    ];

    private static readonly (int Index, ulong Value)[] Zero =
    [
        (0, 0xa30febcfd9c2825f), (1, 0x4510bdf882d9d721), (2, 0xa7d3da94ecde8b8), (3, 0x43b27b61342f01d),
        (4, 0xd0327a782cde513b), (5, 0xe9aa5979a6401c4e), (6, 0x9b4c7b7180edb27f), (7, 0xbac0495ff8829a45),
        (8, 0x8b2b01e7a1dc7fbf), (9, 0xef60e8078f56bfed), (10, 0xd0dbc74d4700374c), (11, 0xb37868abbe90b0),
        (12, 0xdb7ed8bf64e6f5f0), (13, 0x89910738de7951f), (14, 0xbacab307c3cfd379), (15, 0x2cf7c449d8b927a6),
        (498, 0x6d9303cf2e0e0f95), (499, 0xd7cfcff535f5ed07), (998, 0x2a34823312c00388), (999, 0x6148329042f743b0),
    ];

    [Fact]
    public void RawOutputs_MatchNumpyTestSetForSeedDeadBeaf() => AssertRaw(0xdeadbeaf, DeadBeaf);

    [Fact]
    public void RawOutputs_MatchNumpyTestSetForSeedZero() => AssertRaw(0, Zero);

    [Fact]
    public void NextUInt32_GivesLowHalfThenBufferedHighHalf()
    {
        // pcg64.h pcg64_next32: a fresh output's low 32 bits, its high 32 bits kept for the next call;
        // next_uint64 does not touch that buffer.
        var bits = new Pcg64(SeedSequence.FromInteger(0));

        Assert.Equal(0xd9c2825fu, bits.NextUInt32());
        Assert.Equal(0x4510bdf882d9d721UL, bits.NextUInt64());
        Assert.Equal(0xa30febcfu, bits.NextUInt32());
        Assert.Equal(0x4ecde8b8u, bits.NextUInt32());
        Assert.Equal(0x0a7d3da9u, bits.NextUInt32());
    }

    [Fact]
    public void DefaultRngRandom_MatchesNumpyDocumentedValue()
    {
        // numpy/random/_generator.pyx default_rng docstring: default_rng(12345).random() is 0.22733602246716966.
        Assert.Equal(0.22733602246716966, NumpyGenerator.DefaultRng(12345).Random());
    }

    private static void AssertRaw(ulong seed, (int Index, ulong Value)[] expected)
    {
        var bits = new Pcg64(SeedSequence.FromInteger(seed));
        var outputs = new ulong[1000];
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = bits.NextUInt64();
        }

        Assert.All(expected, e => Assert.Equal($"{e.Index}: 0x{e.Value:x}", $"{e.Index}: 0x{outputs[e.Index]:x}"));
    }
}
