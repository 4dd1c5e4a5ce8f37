using System.Globalization;
using System.Text;

namespace ImdbExperiments.Text;

/// <summary>
/// Builds a small uncased WordPiece vocabulary from a corpus, for a randomly initialized BERT (init: random):
/// the special tokens, every character seen (alone and as a "##" continuation) and then the most frequent
/// words, up to a limit. Deterministic: ties are broken by ordinal order, so the same texts give the same file.
/// </summary>
public static class VocabularyBuilder
{
    /// <summary>[PAD] first, so that id 0 pads, as in BERT's own vocabularies.</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static IReadOnlyList<string> Build(IEnumerable<string> texts, int limit)
    {
        if (limit < SpecialTokens.Count + 2)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"A vocabulary needs room for the {SpecialTokens.Count} special tokens and some characters.");

        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        var characters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        foreach (var word in BasicTokens(text))
        {
            words[word] = words.GetValueOrDefault(word) + 1;
            foreach (var rune in word.EnumerateRunes())
                characters[rune.ToString()] = characters.GetValueOrDefault(rune.ToString()) + 1;
        }

        var vocabulary = new List<string>(SpecialTokens);
        var seen = new HashSet<string>(SpecialTokens, StringComparer.Ordinal);
        void Add(string token) { if (vocabulary.Count < limit && seen.Add(token)) vocabulary.Add(token); }

        var byFrequency = characters.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).ToArray();
        foreach (var character in byFrequency) Add(character);
        foreach (var character in byFrequency) Add("##" + character);
        foreach (var (word, _) in words.Where(p => p.Key.Length > 1).OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            Add(word);
        return vocabulary;
    }

    /// <summary>Writes one token per line, "\n"-terminated, UTF-8 without BOM (the vocab.txt format).</summary>
    public static void Write(IReadOnlyList<string> vocabulary, string path) =>
        File.WriteAllText(path, string.Concat(vocabulary.Select(t => t + "\n")), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));

    /// <summary>BERT's basic tokenization, uncased: &lt;br /&gt; removed, lowercased, accents stripped, punctuation split off.</summary>
    static IEnumerable<string> BasicTokens(string text)
    {
        var normalized = text.Replace("<br />", " ", StringComparison.OrdinalIgnoreCase).ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var word = new StringBuilder();
        foreach (var c in normalized)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark || char.IsControl(c)) continue;
            if (char.IsWhiteSpace(c) || char.IsPunctuation(c) || char.IsSymbol(c))
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                if (!char.IsWhiteSpace(c)) yield return c.ToString();
                continue;
            }
            word.Append(c);
        }
        if (word.Length > 0) yield return word.ToString();
    }
}
