using ImdbExperiments.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Training;

/// <summary>
/// Examples of a token file padded to the longest of them: input ids (B, T) int64 with the pad id after each
/// example's tokens, attention mask (B, T) int64 (1 token, 0 padding), token type ids (B, T) zeros, labels (B) int64.
/// </summary>
public sealed class TokenBatch : IDisposable
{
    private TokenBatch(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds, Tensor labels, int[] indices)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        TokenTypeIds = tokenTypeIds;
        Labels = labels;
        Indices = indices;
    }

    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor TokenTypeIds { get; }
    public Tensor Labels { get; }
    /// <summary>The examples' indices in the token file, row by row.</summary>
    public int[] Indices { get; }
    public int Count => Indices.Length;

    /// <summary>Gathers <paramref name="indices"/> from <paramref name="file"/> onto <paramref name="device"/>.</summary>
    public static TokenBatch Create(TokenFile file, int[] indices, long padId, Device device)
    {
        if (indices.Length == 0)
            throw new ArgumentException("A batch needs at least one example.", nameof(indices));
        var width = indices.Max(file.Length);
        var ids = new long[indices.Length * width];
        var mask = new long[indices.Length * width];
        var labels = new long[indices.Length];
        for (var row = 0; row < indices.Length; row++)
        {
            var span = ids.AsSpan(row * width, width);
            var length = file.CopyIds(indices[row], span);
            span[length..].Fill(padId);
            mask.AsSpan(row * width, length).Fill(1);
            labels[row] = file.Label(indices[row]);
        }
        return FromArrays(ids, mask, labels, indices, width, device);
    }

    /// <summary>Pads already-encoded texts (the ids include [CLS] and [SEP]); labels are all zero.</summary>
    public static TokenBatch Create(EncodedTexts encoded, int[] indices, long padId, Device device)
    {
        if (indices.Length == 0)
            throw new ArgumentException("A batch needs at least one example.", nameof(indices));
        var width = indices.Max(encoded.Length);
        var ids = new long[indices.Length * width];
        var mask = new long[indices.Length * width];
        for (var row = 0; row < indices.Length; row++)
        {
            var source = encoded[indices[row]];
            var span = ids.AsSpan(row * width, width);
            for (var k = 0; k < source.Length; k++)
                span[k] = source[k];
            span[source.Length..].Fill(padId);
            mask.AsSpan(row * width, source.Length).Fill(1);
        }
        return FromArrays(ids, mask, new long[indices.Length], indices, width, device);
    }

    private static TokenBatch FromArrays(long[] ids, long[] mask, long[] labels, int[] indices, int width, Device device)
    {
        var shape = new long[] { indices.Length, width };
        var inputIds = tensor(ids, shape, device: device);
        var attentionMask = tensor(mask, shape, device: device);
        var tokenTypeIds = zeros(shape, ScalarType.Int64, device);
        var labelTensor = tensor(labels, device: device);
        return new TokenBatch(inputIds, attentionMask, tokenTypeIds, labelTensor, indices);
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        TokenTypeIds.Dispose();
        Labels.Dispose();
    }
}
