using ImdbExperiments.Data;

namespace ImdbExperiments.Tests.Data;

public sealed class DeterministicRandomTests
{
    // Reference values computed from the published C definitions of splitmix64 and xoshiro256** (prng.di.unimi.it).
    [Theory]
    [InlineData(0UL, new[] { 0x99ec5f36cb75f2b4UL, 0xbf6e1f784956452aUL, 0x1a5f849d4933e6e0UL, 0x6aa594f1262d2d2cUL })]
    [InlineData(42UL, new[] { 0x15780b2e0c2ec716UL, 0x6104d9866d113a7eUL, 0xae17533239e499a1UL, 0xecb8ad4703b360a1UL })]
    public void NextUInt64_MatchesReferenceOutputs(ulong seed, ulong[] expected)
    {
        var random = new DeterministicRandom(seed);

        Assert.Equal(expected, expected.Select(_ => random.NextUInt64()));
    }

    [Fact]
    public void IntSeed_IsWidenedByTwosComplement()
    {
        var random = new DeterministicRandom(-1);

        Assert.Equal([0x8f5520d52a7ead08UL, 0xc476a018caa1802dUL], new[] { random.NextUInt64(), random.NextUInt64() });
    }

    [Fact]
    public void Stream_IsTheGeneratorAfterThatManyJumps()
    {
        var random = new DeterministicRandom(42UL, stream: 1);

        Assert.Equal([0x50086ef83cbf4f4aUL, 0xba285ec21347d703UL], new[] { random.NextUInt64(), random.NextUInt64() });
    }

    [Fact]
    public void NextInt_MatchesReferenceOutputs()
    {
        var random = new DeterministicRandom(42UL);

        Assert.Equal([0, 3, 6, 9, 9, 7, 7, 8, 7, 5], Enumerable.Range(0, 10).Select(_ => random.NextInt(10)));
    }

    [Fact]
    public void NextDouble_MatchesReferenceOutputs()
    {
        var random = new DeterministicRandom(42UL);

        Assert.Equal(0.08386297105988216, random.NextDouble());
        Assert.Equal(0.3789802506626686, random.NextDouble());
    }

    [Fact]
    public void Shuffle_MatchesReferenceFisherYates()
    {
        var items = Enumerable.Range(0, 10).ToArray();

        new DeterministicRandom(7UL).Shuffle(items);

        Assert.Equal([1, 8, 3, 0, 4, 5, 9, 6, 2, 7], items);
    }

    [Fact]
    public void NextInt_StaysInRangeAndCoversIt()
    {
        var random = new DeterministicRandom(1UL);
        var counts = new int[7];

        for (int i = 0; i < 7000; i++)
        {
            counts[random.NextInt(7)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.Equal(0, random.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => random.NextInt(0));
    }
}
