using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class DropoutMaskTests
{
    /// <summary>Element e of the mask, straight from the definition: the low or high 16 bits of hash((e / 16) x 8 + e mod 8).</summary>
    private static float Reference(long e, ulong seed, double p)
    {
        var hash = DropoutMask.Hash((uint)(e / 16 * 8 + e % 8), (uint)seed, (uint)(seed >> 32));
        var draw = e % 16 < 8 ? hash & 0xFFFF : hash >> 16;
        return draw >= DropoutMask.Threshold(p) ? (float)(1 / (1 - p)) : 0f;
    }

    [Fact]
    public void Fill_MatchesTheDefinitionElementByElement_AcrossChunksAndTheScalarTail()
    {
        const ulong seed = 0x0123456789ABCDEF;
        using var mask = empty(new long[] { 3, (1 << 18) / 3 + 5 }, ScalarType.Float32);   // crosses a chunk boundary, odd tail
        DropoutMask.Fill(mask, seed, 0.3);

        var values = mask.data<float>().ToArray();
        var mismatches = Enumerable.Range(0, values.Length).Count(e => values[e] != Reference(e, seed, 0.3));

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void FillRange_FromAnyAlignedStart_GivesTheSameElements()
    {
        var whole = new float[4096];
        DropoutMask.FillRange(whole, 0, 7, 9, DropoutMask.Threshold(0.1), 1 / 0.9f);
        var tail = new float[4096 - 1024 - 3];
        DropoutMask.FillRange(tail, 1024, 7, 9, DropoutMask.Threshold(0.1), 1 / 0.9f);

        Assert.Equal(whole.AsSpan(1024, tail.Length).ToArray(), tail);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Create_DropsAFractionPOfElements_AndScalesTheRestByOneOverOneMinusP(double p)
    {
        manual_seed(3);
        using var mask = DropoutMask.Create([1000, 1000], p);

        var values = mask.data<float>().ToArray();
        var dropped = values.Count(v => v == 0) / (double)values.Length;
        var sigma = Math.Sqrt(p * (1 - p) / values.Length);
        Assert.InRange(dropped, p - 5 * sigma, p + 5 * sigma);
        Assert.All(values.Where(v => v != 0).Distinct(), v => Assert.Equal((float)(1 / (1 - p)), v));
        Assert.Equal(1.0, values.Average(), 0.01);   // inverted dropout keeps the expectation
    }

    [Fact]
    public void Create_NeighbouringElementsAreNotCorrelated()
    {
        manual_seed(4);
        using var mask = DropoutMask.Create([1 << 20], 0.5);

        var dropped = mask.data<float>().ToArray().Select(v => v == 0 ? 1.0 : 0.0).ToArray();
        foreach (var lag in new[] { 1, 7, 8, 16 })
        {
            var both = Enumerable.Range(0, dropped.Length - lag).Average(i => dropped[i] * dropped[i + lag]);
            Assert.InRange(both, 0.25 - 0.005, 0.25 + 0.005);   // independent: P(both dropped) = p^2
        }
    }

    [Fact]
    public void Create_FollowsLibtorchsGlobalGenerator()
    {
        manual_seed(5);
        using var first = DropoutMask.Create([64, 64], 0.2);
        using var second = DropoutMask.Create([64, 64], 0.2);
        manual_seed(5);
        using var again = DropoutMask.Create([64, 64], 0.2);

        Assert.True(TinyBert.SameValues(first, again));
        Assert.False(TinyBert.SameValues(first, second));
    }

    [Fact]
    public void Create_IsTheSameForAnyThreadCount()
    {
        var threads = get_num_threads();
        try
        {
            set_num_threads(1);
            manual_seed(6);
            using var one = DropoutMask.Create([300, 3000], 0.1);
            set_num_threads(2);
            manual_seed(6);
            using var two = DropoutMask.Create([300, 3000], 0.1);

            Assert.True(TinyBert.SameValues(one, two));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Create_RejectsAProbabilityOutsideZeroToOne(double p)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DropoutMask.Create([4], p));
        Assert.Contains("0 < p < 1", error.Message);
    }

    [Fact]
    public void BertDropout_InTraining_MultipliesByTheMask_AndItsGradientIsTheMask()
    {
        var dropout = new BertDropout(0.25);
        dropout.train();
        using var input = ones(50, 40, requires_grad: true);

        manual_seed(8);
        using var output = dropout.call(input);
        output.sum().backward();
        manual_seed(8);
        using var mask = DropoutMask.Create([50, 40], 0.25);

        Assert.True(TinyBert.SameValues(output.detach(), mask));
        Assert.True(TinyBert.SameValues(input.grad!, mask));
    }

    [Fact]
    public void BertDropout_WhenEvaluatingOrAtZero_IsTheIdentity()
    {
        using var input = randn(8, 8);
        var evaluating = new BertDropout(0.5);
        evaluating.eval();
        var zero = new BertDropout(0.0);
        zero.train();

        Assert.Same(input, evaluating.call(input));
        Assert.Same(input, zero.call(input));
    }

    [Fact]
    public void BertDropout_KeepsBfloat16Inputs_InBfloat16()
    {
        var dropout = new BertDropout(0.1);
        dropout.train();
        using var input = ones(16, 16, dtype: ScalarType.BFloat16);

        using var output = dropout.call(input);

        Assert.Equal(ScalarType.BFloat16, output.dtype);
    }
}
