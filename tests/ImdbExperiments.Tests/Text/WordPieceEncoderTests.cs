using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

// Expected tokens were checked by hand and against Hugging Face's tokenizers (BertNormalizer + BertPreTokenizer +
// WordPiece + BertProcessing, special tokens added) on the same vocabulary.
public sealed class WordPieceEncoderTests
{
    private static readonly WordPieceEncoder Uncased = TestVocabulary.Encoder();

    [Theory]
    [InlineData("The movie was GREAT!", "[CLS] the movie was great ! [SEP]")]
    [InlineData("Café naïve", "[CLS] cafe naive [SEP]")]
    [InlineData("unbelievably playing", "[CLS] un ##bel ##ie ##va ##bly play ##ing [SEP]")]
    [InlineData("zebra hello", "[CLS] [UNK] hello [SEP]")]
    [InlineData("hello,world (a-b) 'c'", "[CLS] hello , world ( a - b ) ' c ' [SEP]")]
    [InlineData("", "[CLS] [SEP]")]
    public void Encode_Uncased_GivesHuggingFaceTokens(string text, string expected) =>
        Assert.Equal(expected, Uncased.Tokenize(text));

    [Fact]
    public void Encode_SplitsCjkIdeographsIntoSingleCharacterWords() =>
        Assert.Equal("[CLS] 日 本 中 日 [UNK] [SEP]", Uncased.Tokenize("日本中 日x"));

    [Fact]
    public void Encode_DropsControlAndFormatCharactersWithoutSplittingTheWord() =>
        Assert.Equal("[CLS] hello world hello [SEP]", Uncased.Tokenize("hel\u0000lo wor\u200Bld he\u00ADllo"));

    [Fact]
    public void Encode_TreatsEveryUnicodeSpaceAndLineBreakAsASeparator() =>
        Assert.Equal("[CLS] a b c d e f g [SEP]", Uncased.Tokenize("a\tb\nc\r\nd\u00A0e\u3000f\u2028g"));

    [Fact]
    public void Encode_KeepsSpecialTokensWrittenInTheTextWhole_CaseSensitively() =>
        Assert.Equal("[CLS] hello [SEP] world [ sep ] [CLS] [MASK] [UNK] [SEP]", Uncased.Tokenize("hello[SEP]world [sep] [CLS][MASK]x"));

    [Fact]
    public void Encode_LowercasesPerCharacterAfterStrippingAccents() =>
        Assert.Equal("[CLS] istanbul σ ##α ##σ [SEP]", Uncased.Tokenize("İstanbul ΣΑΣ"));

    [Fact]
    public void Encode_ClassifiesPunctuationAfterDecomposition() =>
        Assert.Equal("[CLS] a = b [SEP]", Uncased.Tokenize("a\u2260b")); // ≠ is = + combining long solidus overlay

    [Fact]
    public void Encode_UsesTheUnicodeVersionOfHuggingFace_ForPunctuation() =>
        // U+2E4F (Unicode 11) is no punctuation to Hugging Face; U+2E42 (Unicode 8) is.
        Assert.Equal("[CLS] [UNK] a [UNK] b [SEP]", Uncased.Tokenize("a\u2E4Fb a\u2E42b"));

    [Fact]
    public void Encode_UnknownCharacterMakesTheWholeWordUnknown() =>
        Assert.Equal("[CLS] [UNK] [UNK] [SEP]", Uncased.Tokenize("\U0001F600 a\U0001F600"));

    [Fact]
    public void Encode_WordOfMoreThanMaxInputCharsPerWord_IsOneUnknownToken()
    {
        Assert.Equal("[CLS] [UNK] b [SEP]", Uncased.Tokenize(new string('a', 101) + " b"));
        int[] hundred = Uncased.Encode(new string('a', 100));
        Assert.Equal(102, hundred.Length);
        Assert.Equal("a ##a", string.Join(" ", hundred[1..3].Select(id => Uncased.Vocabulary[id])));
    }

    [Fact]
    public void Encode_CountsCodePointsNotUtf16Units_ForMaxInputCharsPerWord()
    {
        var vocabulary = WordPieceVocabulary.Parse("[UNK]\n[CLS]\n[SEP]\n\U0001F600\n##\U0001F600\n", "emoji vocab");
        var encoder = new WordPieceEncoder(vocabulary, new() { MaxInputCharsPerWord = 2 });
        Assert.Equal("[CLS] \U0001F600 ##\U0001F600 [SEP]", encoder.Tokenize("\U0001F600\U0001F600")); // 2 code points, 4 UTF-16 units
        Assert.Equal("[CLS] [UNK] [SEP]", encoder.Tokenize("\U0001F600\U0001F600\U0001F600"));
    }

    [Fact]
    public void Encode_Cased_KeepsCaseAndAccents()
    {
        var cased = TestVocabulary.Encoder(new() { Lowercase = false });
        Assert.Equal("[CLS] Hello hello café [SEP]", cased.Tokenize("Hello hello café"));
        Assert.Equal("[CLS] [UNK] movie was [UNK] ! [SEP]", cased.Tokenize("The movie was GREAT!"));
        Assert.Equal("[CLS] [UNK] [UNK] [SEP]", cased.Tokenize("İstanbul ΣΑΣ"));
    }

    [Fact]
    public void Encode_CasedWithStripAccents_StripsWithoutLowercasing() =>
        Assert.Equal("[CLS] Hello hello cafe [SEP]", TestVocabulary.Encoder(new() { Lowercase = false, StripAccents = true }).Tokenize("Hello hello café"));

    [Fact]
    public void Encode_LowercaseWithoutStripAccents_KeepsAccents() =>
        Assert.Equal("[CLS] café [SEP]", TestVocabulary.Encoder(new() { StripAccents = false }).Tokenize("CAFÉ"));

    [Fact]
    public void Encode_StripHtml_ReplacesLineBreakTagsBySpaces()
    {
        const string text = "<br /> a<BR/>b<br>c<br >d";
        Assert.Equal("[CLS] < br / > a < br / > b < br > c < br > d [SEP]", Uncased.Tokenize(text));
        Assert.Equal("[CLS] a b c d [SEP]", TestVocabulary.Encoder(new() { StripHtml = true }).Tokenize(text));
        Assert.Equal("[CLS] < b > a [SEP]", TestVocabulary.Encoder(new() { StripHtml = true }).Tokenize("<b>a"));
    }

    [Fact]
    public void Vocabulary_WithCrlfLineEnds_EqualsTheLfOne()
    {
        var lf = WordPieceVocabulary.Parse(TestVocabulary.Text("\n"), "lf");
        var crlf = WordPieceVocabulary.Parse(TestVocabulary.Text("\r\n"), "crlf");
        Assert.Equal(lf.Tokens, crlf.Tokens);
        Assert.Equal(lf.Sha256, crlf.Sha256);
        Assert.Equal(TestVocabulary.Tokens.Length, crlf.Count);
    }

    [Fact]
    public void Vocabulary_RepeatedToken_MapsToItsLastLine()
    {
        var vocabulary = WordPieceVocabulary.Parse("[UNK]\n[CLS]\n[SEP]\nx\nx\n", "dup");
        Assert.True(vocabulary.TryGetId("x", out int id));
        Assert.Equal(4, id);
        Assert.Equal(5, vocabulary.Count);
    }

    [Fact]
    public void Encoder_WithoutRequiredSpecialToken_NamesTheVocabularyAndToken()
    {
        var vocabulary = WordPieceVocabulary.Parse("[UNK]\n[CLS]\nhello\n", "tiny vocab");
        var error = Assert.Throws<InvalidDataException>(() => new WordPieceEncoder(vocabulary));
        Assert.Contains("tiny vocab", error.Message);
        Assert.Contains("[SEP]", error.Message);
    }

    [Theory]
    [InlineData(2, TruncationMode.Head, 0)]
    [InlineData(10, TruncationMode.HeadPlusTail, 9)]
    [InlineData(10, TruncationMode.HeadPlusTail, -1)]
    public void Options_OutOfRange_AreRejected(int maxLength, TruncationMode mode, int headTokens) =>
        Assert.Throws<ArgumentException>(() => TestVocabulary.Encoder(new() { MaxLength = maxLength, Truncation = mode, HeadTokens = headTokens }));
}
