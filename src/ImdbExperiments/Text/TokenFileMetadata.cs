namespace ImdbExperiments.Text;

/// <summary>What a token file records about how its ids were made.</summary>
/// <param name="MaxLength">The max length examples were truncated to ([CLS] and [SEP] included); null when not truncated.</param>
/// <param name="VocabularySize">Lines in vocab.txt: every id is below it.</param>
/// <param name="VocabularySha256">Lowercase hex SHA-256 of the vocabulary (<see cref="WordPieceVocabulary.Sha256"/>).</param>
public sealed record TokenFileMetadata(int? MaxLength, int VocabularySize, string VocabularySha256)
{
    public static TokenFileMetadata From(WordPieceEncoder encoder) =>
        new(encoder.Options.MaxLength, encoder.Vocabulary.Count, encoder.Vocabulary.Sha256);
}
