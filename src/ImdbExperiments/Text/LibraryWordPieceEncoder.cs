using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace ImdbExperiments.Text;

/// <summary>
/// The same encoding through Microsoft.ML.Tokenizers' BertTokenizer: the reference the tests hold
/// <see cref="WordPieceEncoder"/> to, on text where that library agrees with Hugging Face (see WordPieceEncoder's remarks).
/// </summary>
internal sealed partial class LibraryWordPieceEncoder
{
    private readonly BertTokenizer _tokenizer;
    private readonly WordPieceEncoderOptions _options;

    public LibraryWordPieceEncoder(Stream vocabulary, WordPieceEncoderOptions options)
    {
        options.Validate();
        _options = options;
        _tokenizer = BertTokenizer.Create(vocabulary, new BertOptions
        {
            LowerCaseBeforeTokenization = options.Lowercase,
            RemoveNonSpacingMarks = options.EffectiveStripAccents,
            IndividuallyTokenizeCjk = options.TokenizeChineseChars,
            UnknownToken = options.UnknownToken,
            ClassificationToken = options.ClassificationToken,
            SeparatorToken = options.SeparatorToken,
            MaxInputCharsPerWord = options.MaxInputCharsPerWord,
        });
    }

    public int[] Encode(string text)
    {
        if (_options.StripHtml)
        {
            text = LineBreakTag().Replace(text, " ");
        }

        int[] pieces = _tokenizer.EncodeToIds(text, addSpecialTokens: false).ToArray();
        var (head, tail) = WordPieceEncoder.SelectPieces(pieces.Length, _options);
        return [_tokenizer.ClassificationTokenId, .. pieces[head], .. pieces[tail], _tokenizer.SeparatorTokenId];
    }

    [GeneratedRegex("<br *\\/?>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LineBreakTag();
}
