using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

/// <summary>A small BERT-style vocabulary written in the tests, so no test needs a downloaded model.</summary>
internal static class TestVocabulary
{
    public static readonly string[] Tokens =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "movie", "was", "great", "un", "##bel", "##ie", "##va", "##bly",
        "cafe", "naive", "a", "##a", "b", "c", "d", "e", "f", "g", "h", ".", ",", "!", "?", "'", "<", ">", "/", "=", "[", "]",
        "(", ")", "-", "br", "日", "本", "中", "hello", "world", "Hello", "play", "##ing", "istanbul", "σ", "##α", "##σ", "café", "sep",
    ];

    public static string Text(string lineEnd = "\n") => string.Join(lineEnd, Tokens) + lineEnd;

    public static WordPieceVocabulary Create() => WordPieceVocabulary.Parse(Text(), "test vocab");

    public static WordPieceEncoder Encoder(WordPieceEncoderOptions? options = null) => new(Create(), options);

    /// <summary>The ids of <paramref name="text"/> as tokens, space-separated: what a reader can check by eye.</summary>
    public static string Tokenize(this WordPieceEncoder encoder, string text) =>
        string.Join(" ", encoder.Encode(text).Select(id => encoder.Vocabulary[id]));
}
