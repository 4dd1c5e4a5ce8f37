namespace ImdbExperiments.Text;

/// <summary>
/// The ids of many texts in one flat array: text i is <c>Ids[Offsets[i]..Offsets[i + 1]]</c>, [CLS] and [SEP] included.
/// </summary>
public sealed class EncodedTexts
{
    internal EncodedTexts(int[] ids, long[] offsets)
    {
        Ids = ids;
        Offsets = offsets;
    }

    public int Count => Offsets.Length - 1;

    public long TotalTokens => Offsets[^1];

    /// <summary>All ids, text after text.</summary>
    public int[] Ids { get; }

    /// <summary>Count + 1 entries: where each text starts in <see cref="Ids"/>, then the total.</summary>
    public long[] Offsets { get; }

    public ReadOnlySpan<int> this[int index] => Ids.AsSpan((int)Offsets[index], Length(index));

    public int Length(int index) => (int)(Offsets[index + 1] - Offsets[index]);
}
