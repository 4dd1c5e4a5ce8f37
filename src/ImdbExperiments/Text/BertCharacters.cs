using System.Runtime.CompilerServices;

namespace ImdbExperiments.Text;

/// <summary>
/// Character predicates and mappings of Hugging Face's BertNormalizer and BertPreTokenizer, with the Unicode
/// versions that library uses (see <see cref="BertUnicodeData"/>), so that ids match it exactly.
/// </summary>
internal static class BertCharacters
{
    private const byte Control = 1, Whitespace = 2, Punctuation = 4, NonspacingMark = 8, Chinese = 16, Decomposes = 32;

    // One flag byte and one combining class per BMP code point; other planes go through binary search.
    private static readonly byte[] BmpFlags = new byte[0x10000];
    private static readonly byte[] BmpCombiningClass = new byte[0x10000];
    private static readonly Dictionary<int, int[]> DecompositionsByCodePoint = new();

    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28;

    static BertCharacters()
    {
        Mark(BertUnicodeData.ControlRanges, Control);
        Mark(BertUnicodeData.NonspacingMarkRanges, NonspacingMark);
        Mark(BertUnicodeData.PunctuationRanges, Punctuation);
        for (int c = 0; c < 128; c++)
        {
            if (char.IsAsciiLetterOrDigit((char)c) || c <= 32 || c == 127)
            {
                continue;
            }

            BmpFlags[c] |= Punctuation; // Rust's is_ascii_punctuation: every printable ASCII symbol.
        }

        foreach (int c in (ReadOnlySpan<int>)[9, 10, 13, 32, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000])
        {
            BmpFlags[c] |= Whitespace;
        }

        for (int c = 0x2000; c <= 0x200A; c++)
        {
            BmpFlags[c] |= Whitespace;
        }

        for (int c = 0x3400; c <= 0xFFFF; c++)
        {
            if (IsChineseSlow(c))
            {
                BmpFlags[c] |= Chinese;
            }
        }

        ReadOnlySpan<int> ccc = BertUnicodeData.CombiningClassRanges;
        for (int i = 0; i < ccc.Length; i += 3)
        {
            for (int c = ccc[i]; c <= ccc[i + 1] && c < 0x10000; c++)
            {
                BmpCombiningClass[c] = (byte)ccc[i + 2];
            }
        }

        ReadOnlySpan<int> decompositions = BertUnicodeData.Decompositions;
        for (int i = 0; i < decompositions.Length;)
        {
            int codePoint = decompositions[i], count = decompositions[i + 1];
            DecompositionsByCodePoint[codePoint] = decompositions.Slice(i + 2, count).ToArray();
            if (codePoint < 0x10000)
            {
                BmpFlags[codePoint] |= Decomposes;
            }

            i += 2 + count;
        }

        for (int c = HangulBase; c < HangulBase + HangulCount; c++)
        {
            BmpFlags[c] |= Decomposes;
        }
    }

    /// <summary>Characters BertNormalizer's clean_text removes: NUL, U+FFFD and Cc/Cf/Co other than tab, LF, CR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsRemoved(int c) =>
        c < 0x10000 ? (BmpFlags[c] & Control) != 0 && c != 9 && c != 10 && c != 13 || c == 0xFFFD : InRanges(c, BertUnicodeData.ControlRanges);

    /// <summary>Rust's char::is_whitespace (the White_Space property), tab/LF/CR included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWhitespace(int c) => c < 0x10000 && (BmpFlags[c] & Whitespace) != 0;

    /// <summary>BertPreTokenizer's punctuation: ASCII punctuation or a Unicode 8.0 P* character.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPunctuation(int c) =>
        c < 0x10000 ? (BmpFlags[c] & Punctuation) != 0 : InRanges(c, BertUnicodeData.PunctuationRanges);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNonspacingMark(int c) =>
        c < 0x10000 ? (BmpFlags[c] & NonspacingMark) != 0 : InRanges(c, BertUnicodeData.NonspacingMarkRanges);

    /// <summary>The CJK ideograph blocks BertNormalizer pads with spaces (handle_chinese_chars).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsChinese(int c) => c < 0x10000 ? (BmpFlags[c] & Chinese) != 0 : IsChineseSlow(c);

    public static int CombiningClass(int c)
    {
        if (c < 0x10000)
        {
            return BmpCombiningClass[c];
        }

        ReadOnlySpan<int> ranges = BertUnicodeData.CombiningClassRanges;
        int lo = 0, hi = ranges.Length / 3 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (c < ranges[mid * 3])
            {
                hi = mid - 1;
            }
            else if (c > ranges[mid * 3 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return ranges[mid * 3 + 2];
            }
        }

        return 0;
    }

    /// <summary>Appends the full canonical decomposition of <paramref name="c"/> (itself when it has none).</summary>
    public static void Decompose(int c, List<int> destination)
    {
        if ((uint)(c - HangulBase) < HangulCount)
        {
            int index = c - HangulBase;
            destination.Add(LeadBase + index / (VowelCount * TrailCount));
            destination.Add(VowelBase + index % (VowelCount * TrailCount) / TrailCount);
            if (index % TrailCount != 0)
            {
                destination.Add(TrailBase + index % TrailCount);
            }

            return;
        }

        if ((c >= 0x10000 || (BmpFlags[c] & Decomposes) != 0) && DecompositionsByCodePoint.TryGetValue(c, out int[]? parts))
        {
            destination.AddRange(parts);
            return;
        }

        destination.Add(c);
    }

    /// <summary>Rust's char::to_lowercase: Unicode simple lowercase, plus U+0130's two-character full mapping.</summary>
    public static void AppendLowercase(int c, List<int> destination)
    {
        if (c == 0x130)
        {
            destination.Add('i');
            destination.Add(0x307);
            return;
        }

        destination.Add(c < 0x10000 ? char.ToLowerInvariant((char)c) : System.Text.Rune.ToLowerInvariant(new System.Text.Rune(c)).Value);
    }

    private static bool IsChineseSlow(int c) =>
        c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    private static void Mark(ReadOnlySpan<int> ranges, byte flag)
    {
        for (int i = 0; i < ranges.Length; i += 2)
        {
            for (int c = ranges[i]; c <= ranges[i + 1] && c < 0x10000; c++)
            {
                BmpFlags[c] |= flag;
            }
        }
    }

    private static bool InRanges(int c, ReadOnlySpan<int> ranges)
    {
        int lo = 0, hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (c < ranges[mid * 2])
            {
                hi = mid - 1;
            }
            else if (c > ranges[mid * 2 + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
