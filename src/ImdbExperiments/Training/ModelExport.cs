using ImdbExperiments.Modeling;

namespace ImdbExperiments.Training;

/// <summary>What the best model's Hugging Face folder needs besides the weights (see <see cref="HfModelFolder.Save"/>).</summary>
/// <param name="VocabPath">vocab.txt the token files were made with</param>
/// <param name="DoLowerCase">tokenizer_config.json's do_lower_case</param>
/// <param name="Labels">id2label names; null = <see cref="HfModelFolder.DefaultLabels"/> (NEGATIVE, POSITIVE)</param>
/// <param name="ModelMaxLength">tokenizer_config.json's model_max_length</param>
/// <param name="Tokenizer">the encoder settings training used, written into tokenizer_config.json (then they decide do_lower_case
/// and model_max_length too); null = only the two values above</param>
public sealed record ModelExport(string VocabPath, bool DoLowerCase, IReadOnlyList<string>? Labels = null, int ModelMaxLength = 512,
    Text.WordPieceEncoderOptions? Tokenizer = null);
