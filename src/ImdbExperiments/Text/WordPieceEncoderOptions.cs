namespace ImdbExperiments.Text;

/// <summary>
/// How <see cref="WordPieceEncoder"/> turns text into ids. The defaults are those of an uncased BERT
/// (Hugging Face's BertTokenizerFast with do_lower_case=True) truncated to 512 ids.
/// </summary>
public sealed record WordPieceEncoderOptions
{
    /// <summary>Lowercase before WordPiece (do_lower_case).</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>Drop accents (NFD, then remove nonspacing marks); null follows <see cref="Lowercase"/>, as in Hugging Face.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Split CJK ideographs into single-character words (tokenize_chinese_chars).</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Most ids per example, [CLS] and [SEP] included; null keeps every wordpiece.</summary>
    public int? MaxLength { get; init; } = 512;

    public TruncationMode Truncation { get; init; } = TruncationMode.Head;

    /// <summary>Wordpieces kept from the start under <see cref="TruncationMode.HeadPlusTail"/>; the rest come from the end.</summary>
    public int HeadTokens { get; init; } = 128;

    /// <summary>Replace HTML line breaks (&lt;br /&gt;, &lt;br/&gt;, &lt;br&gt;, any case, spaces before the slash) by a space first.</summary>
    public bool StripHtml { get; init; }

    /// <summary>A word longer than this, in code points, becomes a single unknown token.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    public string UnknownToken { get; init; } = "[UNK]";

    public string ClassificationToken { get; init; } = "[CLS]";

    public string SeparatorToken { get; init; } = "[SEP]";

    /// <summary>Tokens that are matched in the raw text and kept whole, when the vocabulary has them (with the three above).</summary>
    public IReadOnlyList<string> OtherSpecialTokens { get; init; } = ["[PAD]", "[MASK]"];

    /// <summary>Whether accents are stripped once the Hugging Face default is applied.</summary>
    public bool EffectiveStripAccents => StripAccents ?? Lowercase;

    /// <summary>Throws with the offending option and what is allowed.</summary>
    public void Validate()
    {
        if (MaxLength is { } max && max < 3)
        {
            throw new ArgumentException($"MaxLength is {max}; it must be at least 3 ([CLS], one wordpiece, [SEP]) or null for no truncation.");
        }

        if (Truncation == TruncationMode.HeadPlusTail && MaxLength is { } limit && (HeadTokens < 0 || HeadTokens > limit - 2))
        {
            throw new ArgumentException($"HeadTokens is {HeadTokens}; with MaxLength {limit} it must be between 0 and {limit - 2}.");
        }

        if (MaxInputCharsPerWord < 1)
        {
            throw new ArgumentException($"MaxInputCharsPerWord is {MaxInputCharsPerWord}; it must be at least 1.");
        }

        if (!Enum.IsDefined(Truncation))
        {
            throw new ArgumentException($"Truncation is {(int)Truncation}; allowed: {string.Join(", ", Enum.GetNames<TruncationMode>())}.");
        }
    }
}
