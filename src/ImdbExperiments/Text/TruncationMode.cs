namespace ImdbExperiments.Text;

/// <summary>Which wordpieces a review longer than the maximum length keeps.</summary>
public enum TruncationMode
{
    /// <summary>The first max_length - 2 wordpieces (Hugging Face's default, truncation side "right").</summary>
    Head,

    /// <summary>The last max_length - 2 wordpieces (truncation side "left").</summary>
    Tail,

    /// <summary>The first <see cref="WordPieceEncoderOptions.HeadTokens"/> and the rest from the end (Sun et al. 2019).</summary>
    HeadPlusTail,
}
