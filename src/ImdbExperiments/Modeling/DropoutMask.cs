using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// Inverted-dropout masks for the CPU, drawn by a counter-based hash instead of libtorch's serial Bernoulli sampler.
/// <para>
/// libtorch fills a Bernoulli mask one element at a time from one Mersenne Twister (on 2 threads: about 100 ms for the
/// 12.6 M attention probabilities of one MiniLM layer at 16 x 256, five times the cost of the layer's attention matmul).
/// Here element e's keep/drop decision is a pure function of (seed, e): 16 bits of a murmur3-finalized 32-bit hash,
/// so the mask fills in parallel with SIMD, is the same for any thread count, and needs no state of its own.
/// The seed is drawn from libtorch's global CPU generator, which the trainer seeds and checkpoints, so a run and its
/// resumption draw the same masks.
/// </para>
/// <para>
/// An element is dropped when its 16-bit draw is below round(p x 65536): the dropout rate is p to within 1 / 131072.
/// Kept elements are scaled by 1 / (1 - p), as torch.nn.functional.dropout does.
/// </para>
/// </summary>
public static class DropoutMask
{
    /// <summary>Elements per parallel chunk: a multiple of the 16 elements one hash vector fills.</summary>
    private const int ChunkElements = 1 << 18;

    /// <summary>
    /// A float32 tensor of <paramref name="shape"/> holding 0 (dropped) or 1 / (1 - p) (kept), drawn from a seed taken
    /// from libtorch's global CPU generator. <c>x * mask</c> is inverted dropout, and its backward is <c>grad * mask</c>.
    /// </summary>
    public static Tensor Create(long[] shape, double p)
    {
        if (p is <= 0 or >= 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "A dropout mask needs 0 < p < 1.");
        return Create(shape, p, DrawSeed());
    }

    /// <summary>The mask of <paramref name="seed"/>: the same seed gives the same mask, so a backward can draw it again instead of keeping it.</summary>
    internal static Tensor Create(long[] shape, double p, ulong seed)
    {
        var mask = empty(shape, ScalarType.Float32);
        Fill(mask, seed, p);
        return mask;
    }

    /// <summary>Two 31-bit draws of libtorch's global CPU generator, one per half of the seed.</summary>
    internal static ulong DrawSeed()
    {
        using var draw = randint(0, int.MaxValue, [2], dtype: ScalarType.Int64);
        var halves = draw.data<long>();
        return ((ulong)halves[0] << 32) | (ulong)halves[1];
    }

    /// <summary>Fills a contiguous float32 CPU tensor with the mask of <paramref name="seed"/>, in parallel chunks.</summary>
    internal static void Fill(Tensor mask, ulong seed, double p)
    {
        var count = mask.numel();
        if (count * sizeof(float) > int.MaxValue)
            throw new ArgumentException($"A dropout mask of {count} elements is over 2 GB; use a smaller batch.");
        var threshold = Threshold(p);
        var scale = (float)(1.0 / (1.0 - p));
        var chunks = (int)((count + ChunkElements - 1) / ChunkElements);
        Parallel.For(0, chunks, chunk =>
        {
            var start = (long)chunk * ChunkElements;
            var length = (int)Math.Min(ChunkElements, count - start);
            FillRange(MaskSpan(mask, start, length), start, (uint)seed, (uint)(seed >> 32), threshold, scale);
        });
    }

    /// <summary>round(p x 65536): a 16-bit draw below it drops the element.</summary>
    internal static uint Threshold(double p) => (uint)Math.Round(p * 65536);

    private static Span<float> MaskSpan(Tensor mask, long start, int length)
    {
        var bytes = mask.bytes;
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).Slice(checked((int)start), length);
    }

    /// <summary>
    /// Writes elements [start, start + values.Length) of the mask. Element e takes the low (e mod 16 &lt; 8) or high
    /// half of hash(seed, (e / 16) x 8 + e mod 8); <paramref name="start"/> must be a multiple of 16.
    /// </summary>
    internal static void FillRange(Span<float> values, long start, uint seedLow, uint seedHigh, uint threshold, float scale)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var lanes = Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
            var limit = Vector256.Create(threshold);
            var kept = Vector256.Create(scale);
            var low16 = Vector256.Create(0xFFFFu);
            for (; i + 16 <= values.Length; i += 16)
            {
                var counter = Vector256.Create((uint)((start + i) / 16 * 8)) + lanes;
                var hash = Hash(counter, seedLow, seedHigh);
                var lowKeep = Vector256.GreaterThanOrEqual(hash & low16, limit).AsSingle();
                var highKeep = Vector256.GreaterThanOrEqual(Vector256.ShiftRightLogical(hash, 16), limit).AsSingle();
                (lowKeep & kept).CopyTo(values.Slice(i, 8));
                (highKeep & kept).CopyTo(values.Slice(i + 8, 8));
            }
        }
        for (; i < values.Length; i++)
        {
            var e = start + i;
            var hash = Hash((uint)(e / 16 * 8 + e % 8), seedLow, seedHigh);
            var draw = e % 16 < 8 ? hash & 0xFFFF : hash >> 16;
            values[i] = draw >= threshold ? scale : 0f;
        }
    }

    /// <summary>murmur3's 32-bit finalizer over the counter, with the seed's halves mixed in before each round.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Hash(uint counter, uint seedLow, uint seedHigh)
    {
        var x = counter * 0x9E3779B9u + seedLow;
        x ^= x >> 16;
        x *= 0x85EBCA6Bu;
        x ^= seedHigh;
        x ^= x >> 13;
        x *= 0xC2B2AE35u;
        x ^= x >> 16;
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Hash(Vector256<uint> counter, uint seedLow, uint seedHigh)
    {
        var x = counter * Vector256.Create(0x9E3779B9u) + Vector256.Create(seedLow);
        x ^= Vector256.ShiftRightLogical(x, 16);
        x *= Vector256.Create(0x85EBCA6Bu);
        x ^= Vector256.Create(seedHigh);
        x ^= Vector256.ShiftRightLogical(x, 13);
        x *= Vector256.Create(0xC2B2AE35u);
        x ^= Vector256.ShiftRightLogical(x, 16);
        return x;
    }
}
