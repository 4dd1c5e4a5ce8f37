using ImdbExperiments.Text;

namespace ImdbExperiments.Benchmarks;

/// <summary>One encoder input, row-major (Batch, Length): token ids, attention mask (1 = token, 0 = padding), segment ids.</summary>
public sealed class EncoderBatch
{
    EncoderBatch(int batch, int length, long[] ids, long[] mask, long[] types)
    {
        Batch = batch;
        Length = length;
        Ids = ids;
        Mask = mask;
        Types = types;
    }

    public int Batch { get; }
    public int Length { get; }
    public long[] Ids { get; }
    public long[] Mask { get; }
    public long[] Types { get; }

    /// <summary>Full rows of seeded ids ([CLS], wordpieces from the vocab's ordinary range, [SEP]): what a review truncated at <paramref name="length"/> costs.</summary>
    public static EncoderBatch Synthetic(int batch, int length, int seed, int clsId = 101, int sepId = 102, int firstWordId = 1000, int vocabSize = 30522)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var count = checked(batch * length);
        var random = new Random(seed);
        var ids = new long[count];
        for (var row = 0; row < batch; row++)
        {
            for (var t = 0; t < length; t++)
                ids[row * length + t] = t == 0 ? clsId : t == length - 1 ? sepId : random.Next(firstWordId, vocabSize);
        }
        return new EncoderBatch(batch, length, ids, Enumerable.Repeat(1L, count).ToArray(), new long[count]);
    }

    /// <summary>The texts' ids padded with <paramref name="padId"/> to the longest, as predict batches them.</summary>
    public static EncoderBatch FromTexts(WordPieceEncoder encoder, IReadOnlyList<string> texts, int padId = 0)
    {
        var encoded = texts.Select(encoder.Encode).ToArray();
        if (encoded.Length == 0) throw new ArgumentException("No texts to encode.", nameof(texts));
        var length = encoded.Max(e => e.Length);
        var count = checked(encoded.Length * length);
        var ids = Enumerable.Repeat((long)padId, count).ToArray();
        var mask = new long[count];
        for (var row = 0; row < encoded.Length; row++)
        {
            for (var t = 0; t < encoded[row].Length; t++)
            {
                ids[row * length + t] = encoded[row][t];
                mask[row * length + t] = 1;
            }
        }
        return new EncoderBatch(encoded.Length, length, ids, mask, new long[count]);
    }

    /// <summary>The largest |a - b| of two last hidden states (Batch, Length, hidden) over the positions that are tokens, not padding.</summary>
    public double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var positions = checked(Batch * Length);
        if (a.Length != b.Length || positions == 0 || a.Length % positions != 0)
            throw new ArgumentException($"Hidden states of {a.Length} and {b.Length} values do not both fit a ({Batch}, {Length}, hidden) batch.");
        var hidden = a.Length / positions;
        var max = 0.0;
        for (var p = 0; p < positions; p++)
        {
            if (Mask[p] == 0) continue;
            for (var h = p * hidden; h < (p + 1) * hidden; h++)
            {
                var difference = Math.Abs((double)a[h] - b[h]);
                // NaN on either side is the largest disagreement there is, not one that Math.Max would hide.
                if (double.IsNaN(difference)) return double.NaN;
                max = Math.Max(max, difference);
            }
        }
        return max;
    }
}
