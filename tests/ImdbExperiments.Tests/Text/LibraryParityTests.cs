using System.Text;
using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

/// <summary>
/// WordPieceEncoder against Microsoft.ML.Tokenizers' BertTokenizer on generated text. The text stays where that
/// library agrees with Hugging Face: ASCII letters, digits and punctuation, spaces, CJK ideographs. (It differs on
/// ASCII symbols such as $ + &lt; and the underscore, on tab, CR and LF (it joins the words around them), on format characters and,
/// without ICU, on accents; see WordPieceEncoder.)
/// </summary>
public sealed class LibraryParityTests
{
    private static readonly string[] Pieces = [.. TestVocabulary.Tokens.Where(t => t != "sep" && t.All(c => char.IsAsciiLetterOrDigit(c) || c >= 0x4E00 && c <= 0x9FFF)), "Movie", "THE", "GreAt", "unbelievable", "playing", "Hello"];
    private const string Punctuation = "!\"#%&'()*,-./:;?@[\\]{}"; // not _: the library keeps it inside words
    private const string Separators = " ";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Encode_MatchesTheLibraryOnGeneratedText(bool lowercase)
    {
        var options = new WordPieceEncoderOptions { Lowercase = lowercase, MaxLength = null };
        var encoder = TestVocabulary.Encoder(options);
        var reference = new LibraryWordPieceEncoder(new MemoryStream(Encoding.UTF8.GetBytes(TestVocabulary.Text())), options);
        var random = new Random(20240601);
        int compared = 0;
        for (int i = 0; i < 2000; i++)
        {
            string text = GenerateText(random);
            Assert.True(reference.Encode(text).SequenceEqual(encoder.Encode(text)), $"ids differ for {System.Text.Json.JsonSerializer.Serialize(text)}");
            compared++;
        }

        Assert.Equal(2000, compared);
    }

    [Theory]
    [InlineData(TruncationMode.Head)]
    [InlineData(TruncationMode.Tail)]
    [InlineData(TruncationMode.HeadPlusTail)]
    public void Encode_MatchesTheLibraryWithTruncationAndHtml(TruncationMode mode)
    {
        var options = new WordPieceEncoderOptions { MaxLength = 24, Truncation = mode, HeadTokens = 8, StripHtml = true };
        var encoder = TestVocabulary.Encoder(options);
        var reference = new LibraryWordPieceEncoder(new MemoryStream(Encoding.UTF8.GetBytes(TestVocabulary.Text("\r\n"))), options);
        var random = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            string text = GenerateText(random).Replace(" ", i % 2 == 0 ? "<br />" : " <BR/>", StringComparison.Ordinal);
            Assert.True(reference.Encode(text).SequenceEqual(encoder.Encode(text)), $"ids differ for {System.Text.Json.JsonSerializer.Serialize(text)}");
        }
    }

    internal static string GenerateText(Random random)
    {
        var text = new StringBuilder();
        int items = random.Next(0, 60);
        for (int k = 0; k < items; k++)
        {
            switch (random.Next(10))
            {
                case < 4:
                    text.Append(Pieces[random.Next(Pieces.Length)]);
                    break;
                case 4:
                    text.Append(Punctuation[random.Next(Punctuation.Length)]);
                    break;
                case 5:
                    text.Append((char)random.Next(0x4E00, 0x4E10)); // CJK: mostly unknown, one word each
                    break;
                case 6:
                    text.Append(random.Next(0, 1000));
                    break;
                case 7:
                    // Random letters: unknown words, and words split into pieces.
                    int length = random.Next(1, random.Next(2) == 0 ? 8 : 120);
                    for (int j = 0; j < length; j++)
                    {
                        text.Append("abcdefghABCunbelievablyplaying"[random.Next(30)]);
                    }

                    break;
                default:
                    text.Append(Separators[random.Next(Separators.Length)]);
                    break;
            }
        }

        return text.ToString();
    }
}
