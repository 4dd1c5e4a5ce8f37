using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ImdbExperiments.Caching;
using ImdbExperiments.Data;
using ImdbExperiments.Modeling;
using ImdbExperiments.Specs;
using ImdbExperiments.Text;

namespace ImdbExperiments.Stages;

/// <summary>
/// tokenize: each split as a memory-mappable token file (<c>train.tokens</c>, <c>validation.tokens</c>, <c>test.tokens</c>)
/// of WordPiece ids with [CLS] and [SEP], labels and review ids, using the model's vocabulary.
/// </summary>
public sealed class TokenizeStage : Stage<TokenizeStage.TokenizeInputs, TokenizeStage.TokenizeSummary>
{
    /// <summary>What tokenization depends on beyond ingest, split and model: the spec's tokenizer section.</summary>
    public sealed record TokenizeInputs([property: FromSpec("tokenizer")] TokenizerSpec Tokenizer) : StageInputs;

    /// <summary>One split's token file in the summary.</summary>
    public sealed record TokenizeSplitSummary(int Examples, long Tokens, double MeanLength, int AtMaxLength);

    /// <summary>The lowercasing used (the spec's, else the model's) and the vocabulary's hash, beside each split's counts.</summary>
    public sealed record TokenizeSummary(bool? Lowercase, string? VocabSha256, TokenizeSplitSummary Train, TokenizeSplitSummary Validation, TokenizeSplitSummary Test);

    public static readonly string[] Splits = ["train", "validation", "test"];

    public override string Name => "tokenize";
    public override int FormatVersion => 1;
    public override IReadOnlyList<string> Upstream => ["ingest", "split", "model"];

    public static string FileName(string split) => split + ".tokens";

    protected override TokenizeInputs Project(PipelineContext context) => new(context.Spec.Spec.Tokenizer);

    protected override async Task BuildAsync(TokenizeInputs inputs, StageServices services, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken)
    {
        var tokenizer = inputs.Tokenizer;
        var modelFolder = upstream["model"].PathOf(ModelStage.ModelFolder);
        var config = BertConfig.Load(Path.Combine(modelFolder, BertConfig.FileName));
        if (tokenizer.MaxLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"tokenizer.max_length in {services.SpecFile} is {tokenizer.MaxLength}, but the model has only {config.MaxPositionEmbeddings} positions (max_position_embeddings); allowed: 8..{config.MaxPositionEmbeddings}.");

        var lowercase = tokenizer.Lowercase ?? ModelDoLowerCase(modelFolder) ?? true;
        var encoder = WordPieceEncoder.Load(Path.Combine(modelFolder, "vocab.txt"), EncoderOptions(tokenizer, lowercase));

        var reviews = ReviewFile.Read(upstream["ingest"].PathOf(IngestStage.ReviewsFileName));
        var split = SplitReader.Read(upstream["split"].Directory, reviews);
        var total = split.Train.Count + split.Validation.Count + split.Test.Count;
        var metadata = TokenFileMetadata.From(encoder);
        output.Summary["lowercase"] = lowercase;
        output.Summary["vocab_sha256"] = metadata.VocabularySha256;

        using var bar = services.Progress.Start("tokenize", total, "reviews");
        var done = 0;
        foreach (var (name, part) in new[] { ("train", split.Train), ("validation", split.Validation), ("test", split.Test) })
        {
            var offset = done;
            var encoded = encoder.EncodeAll(part.Select(r => r.Text).ToArray(), progress: new Progress<int>(n => bar.Report(offset + n)), cancellationToken: cancellationToken);
            await TokenFileWriter.WriteAsync(output.PathOf(FileName(name)), encoded, part.Select(r => (byte)r.Label).ToArray(), part.Select(r => r.Id).ToArray(), metadata, cancellationToken);
            done += part.Count;

            var truncated = Enumerable.Range(0, encoded.Count).Count(i => encoded.Length(i) == tokenizer.MaxLength);
            output.Summary[name] = new JsonObject
            {
                ["examples"] = encoded.Count,
                ["tokens"] = encoded.TotalTokens,
                ["mean_length"] = encoded.Count == 0 ? 0 : Math.Round((double)encoded.TotalTokens / encoded.Count, 1),
                ["at_max_length"] = truncated,
            };
        }
    }

    public override string Describe(StageOutput output)
    {
        var s = ReadSummary(output);
        return string.Join(" · ", new[] { ("train", s.Train), ("validation", s.Validation), ("test", s.Test) }.Select(p =>
            $"{p.Item1} {p.Item2.Tokens:N0} tokens (mean {p.Item2.MeanLength:0.#})"));
    }

    public override IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) =>
        Splits.ToDictionary(s => s, s => output.PathOf(FileName(s)));

    /// <summary>
    /// The one mapping from the spec's tokenizer section to the encoder: tokenize uses it, the train stage exports it into
    /// the model's tokenizer_config.json, and prediction reads it back from there.
    /// </summary>
    /// <param name="lowercase">the lowercasing actually used (the spec's, else the base model's do_lower_case)</param>
    public static WordPieceEncoderOptions EncoderOptions(TokenizerSpec tokenizer, bool lowercase) => new()
    {
        Lowercase = lowercase,
        MaxLength = tokenizer.MaxLength,
        Truncation = Truncation(tokenizer.Truncation),
        HeadTokens = tokenizer.HeadTokens,
        StripHtml = tokenizer.StripHtml,
    };

    /// <summary>The encoder's truncation for the spec's tokenizer.truncation (also what prediction uses).</summary>
    public static Text.TruncationMode Truncation(Specs.TruncationMode truncation) => truncation switch
    {
        Specs.TruncationMode.Tail => Text.TruncationMode.Tail,
        Specs.TruncationMode.HeadTail => Text.TruncationMode.HeadPlusTail,
        _ => Text.TruncationMode.Head,
    };

    /// <summary>do_lower_case from the model's tokenizer_config.json, when it says.</summary>
    static bool? ModelDoLowerCase(string modelFolder)
    {
        var path = Path.Combine(modelFolder, "tokenizer_config.json");
        if (!File.Exists(path)) return null;
        return JsonNode.Parse(File.ReadAllText(path))?["do_lower_case"] is JsonValue value && value.TryGetValue(out bool lower) ? lower : null;
    }
}
