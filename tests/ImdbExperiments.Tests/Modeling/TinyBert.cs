using ImdbExperiments.Modeling;
using static TorchSharp.torch;

namespace ImdbExperiments.Tests.Modeling;

/// <summary>Small models, inputs and folders for Modeling tests.</summary>
internal static class TinyBert
{
    public static readonly BertConfig Config = new()
    {
        VocabSize = 40,
        HiddenSize = 16,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        IntermediateSize = 32,
        MaxPositionEmbeddings = 24,
        HiddenDropoutProb = 0.1,
        AttentionProbsDropoutProb = 0.1,
    };

    /// <summary>The BERT special tokens plus filler, one a line, as vocab.txt.</summary>
    public static string WriteVocab(string folder)
    {
        var tokens = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }
            .Concat(Enumerable.Range(0, Config.VocabSize - 5).Select(i => $"tok{i}"));
        var path = Path.Combine(folder, "vocab.txt");
        File.WriteAllText(path, string.Join("\n", tokens) + "\n");
        return path;
    }

    /// <summary>Three sequences of lengths 7, 4 and 1 (+ [CLS]/[SEP]), padded to 9.</summary>
    public static (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) Batch()
    {
        long[][] rows = [[2, 10, 11, 12, 13, 14, 15, 16, 3], [2, 20, 21, 22, 23, 3, 0, 0, 0], [2, 30, 3, 0, 0, 0, 0, 0, 0]];
        var ids = tensor(rows.SelectMany(r => r).ToArray(), 3, 9);
        var mask = ids.ne(0).to_type(ScalarType.Int64);
        long[] segments = [0, 0, 0, 0, 0, 1, 1, 1, 1];   // a second segment in the first row
        var types = tensor(segments.Concat(new long[18]).ToArray(), 3, 9);
        return (ids, mask, types);
    }

    public static bool SameValues(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
