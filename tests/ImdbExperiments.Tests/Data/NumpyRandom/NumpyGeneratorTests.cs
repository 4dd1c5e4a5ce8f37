using ImdbExperiments.Data.NumpyRandom;

namespace ImdbExperiments.Tests.Data.NumpyRandom;

public sealed class NumpyGeneratorTests
{
    // NumPy publishes no default_rng permutation values, so these are derived by hand from the pinned raw stream
    // (pcg64-testset-2.csv for seed 0, pcg64-testset-1.csv for 0xdeadbeaf) following _generator.pyx _shuffle_raw
    // (i = n-1 down to 1, j = random_interval(i), swap) and distributions.c random_interval (mask, 32-bit draws).
    // Seed 0: 32-bit words d9c2825f a30febcf 82d9d721 4510bdf8 4ecde8b8 0a7d3da9; i=4 mask 7 draws 7, 7, 1 -> j=1;
    // i=3 mask 3 -> 0; i=2 mask 3 -> 0; i=1 mask 1 -> 1: [2, 4, 3, 0, 1].
    // Seed 0xdeadbeaf: words e17a0698 60d24054 856e4f12 d5e79d89; j = 0, 0, 2, 1: [3, 1, 2, 4, 0].
    [Theory]
    [InlineData(0UL, new long[] { 2, 4, 3, 0, 1 })]
    [InlineData(0xdeadbeafUL, new long[] { 3, 1, 2, 4, 0 })]
    public void Permutation_MatchesFisherYatesOverNumpyRawStream(ulong seed, long[] expected)
    {
        var generator = new NumpyGenerator(new Pcg64(SeedSequence.FromInteger(seed)));

        Assert.Equal(expected, generator.Permutation(5));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(42, 2)]
    [InlineData(7, 1000)]
    [InlineData(12345, 25000)]
    public void Permutation_IsABijectionAndIdenticalForSameSeed(int seed, int n)
    {
        var first = NumpyGenerator.DefaultRng(seed).Permutation(n);
        var second = NumpyGenerator.DefaultRng(seed).Permutation(n);

        Assert.Equal(first, second);
        Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), first.Order());
    }

    [Fact]
    public void Permutation_DiffersForAnotherSeed()
    {
        Assert.NotEqual(NumpyGenerator.DefaultRng(42).Permutation(100), NumpyGenerator.DefaultRng(43).Permutation(100));
    }

    [Fact]
    public void Permutation_OfZeroAndOneDrawNothing()
    {
        var generator = new NumpyGenerator(new Pcg64(SeedSequence.FromInteger(0)));

        Assert.Empty(generator.Permutation(0));
        Assert.Equal([0L], generator.Permutation(1));
        Assert.Equal((0xa30febcfd9c2825fUL >> 11) * (1.0 / 9007199254740992.0), generator.Random()); // the stream was untouched
    }

    [Fact]
    public void Interval_AboveUint32UsesWhole64BitDraws()
    {
        // random_interval: max > 0xFFFFFFFF masks next_uint64. Seed 0, max 2^33, mask 2^34-1: the first output's low
        // 34 bits 0x3d9c2825f exceed max, the second's 0x082d9d721 do not; the third output follows unbuffered.
        var generator = new NumpyGenerator(new Pcg64(SeedSequence.FromInteger(0)));

        Assert.Equal(0x082d9d721UL, generator.Interval(1UL << 33));
        Assert.Equal((0x0a7d3da94ecde8b8UL >> 11) * (1.0 / 9007199254740992.0), generator.Random());
    }
}
