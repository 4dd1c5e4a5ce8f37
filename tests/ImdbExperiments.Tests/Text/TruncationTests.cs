using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

public sealed class TruncationTests
{
    private const string EightWords = "a b c d e f g h";

    [Theory]
    [InlineData(TruncationMode.Head, 0, "[CLS] a b c d [SEP]")]
    [InlineData(TruncationMode.Tail, 0, "[CLS] e f g h [SEP]")]
    [InlineData(TruncationMode.HeadPlusTail, 1, "[CLS] a f g h [SEP]")]
    [InlineData(TruncationMode.HeadPlusTail, 3, "[CLS] a b c h [SEP]")]
    [InlineData(TruncationMode.HeadPlusTail, 0, "[CLS] e f g h [SEP]")]
    [InlineData(TruncationMode.HeadPlusTail, 4, "[CLS] a b c d [SEP]")]
    public void Truncation_KeepsTheSelectedWordpieces(TruncationMode mode, int headTokens, string expected) =>
        Assert.Equal(expected, TestVocabulary.Encoder(new() { MaxLength = 6, Truncation = mode, HeadTokens = headTokens }).Tokenize(EightWords));

    [Theory]
    [InlineData(TruncationMode.Head)]
    [InlineData(TruncationMode.Tail)]
    [InlineData(TruncationMode.HeadPlusTail)]
    public void Truncation_LeavesTextsThatFitUntouched(TruncationMode mode) =>
        Assert.Equal("[CLS] a b c d e f g h [SEP]", TestVocabulary.Encoder(new() { MaxLength = 10, Truncation = mode, HeadTokens = 2 }).Tokenize(EightWords));

    [Fact]
    public void Truncation_CutsInsideAWord_AtWordpieceLevel() =>
        Assert.Equal("[CLS] un ##bel [SEP]", TestVocabulary.Encoder(new() { MaxLength = 4 }).Tokenize("unbelievably great"));

    [Fact]
    public void Truncation_Tail_CutsInsideAWordFromTheEnd() =>
        Assert.Equal("[CLS] ##va ##bly [SEP]", TestVocabulary.Encoder(new() { MaxLength = 4, Truncation = TruncationMode.Tail }).Tokenize("unbelievably"));

    [Fact]
    public void NoMaxLength_KeepsEveryWordpiece() =>
        Assert.Equal(1002, TestVocabulary.Encoder(new() { MaxLength = null }).Encode(string.Join(' ', Enumerable.Repeat("a", 1000))).Length);

    [Fact]
    public void Truncation_EqualsCuttingTheUntruncatedIds()
    {
        var full = TestVocabulary.Encoder(new() { MaxLength = null });
        string text = string.Join(' ', Enumerable.Range(0, 300).Select(i => "abcdefgh"[i % 8].ToString() + (i % 5 == 0 ? "ing" : "")));
        int[] all = full.Encode(text);
        int[] pieces = all[1..^1];
        var head = TestVocabulary.Encoder(new() { MaxLength = 64 }).Encode(text);
        var tail = TestVocabulary.Encoder(new() { MaxLength = 64, Truncation = TruncationMode.Tail }).Encode(text);
        var both = TestVocabulary.Encoder(new() { MaxLength = 64, Truncation = TruncationMode.HeadPlusTail, HeadTokens = 16 }).Encode(text);
        Assert.Equal([all[0], .. pieces[..62], all[^1]], head);
        Assert.Equal([all[0], .. pieces[^62..], all[^1]], tail);
        Assert.Equal([all[0], .. pieces[..16], .. pieces[^46..], all[^1]], both);
    }
}
