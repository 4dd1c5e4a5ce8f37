using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace ImdbExperiments.Modeling;

/// <summary>
/// A model in Hugging Face's folder layout: config.json, model.safetensors (or pytorch_model.bin), vocab.txt,
/// tokenizer_config.json, special_tokens_map.json. Hugging Face's from_pretrained reads what Save writes.
/// </summary>
public static class HfModelFolder
{
    public const string SafetensorsFileName = "model.safetensors";
    public const string PytorchFileName = "pytorch_model.bin";
    public const string VocabFileName = "vocab.txt";
    public const string TokenizerConfigFileName = "tokenizer_config.json";
    public const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>The labels Save writes when none are given: IMDb's, in its label order.</summary>
    public static readonly IReadOnlyList<string> DefaultLabels = ["NEGATIVE", "POSITIVE"];

    // BertTokenizer's special tokens; the vocab must contain them.
    private static readonly (string Key, string Token)[] SpecialTokens =
        [("cls_token", "[CLS]"), ("mask_token", "[MASK]"), ("pad_token", "[PAD]"), ("sep_token", "[SEP]"), ("unk_token", "[UNK]")];

    /// <summary>Reads config, weights (model.safetensors preferred over pytorch_model.bin), vocab and tokenizer settings.</summary>
    public static HfCheckpoint Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no such model folder.");
        var config = BertConfig.Load(Path.Combine(folder, BertConfig.FileName));

        var vocabPath = Path.Combine(folder, VocabFileName);
        if (!File.Exists(vocabPath))
            throw new FileNotFoundException($"{folder}: the model folder has no {VocabFileName} (WordPiece vocabulary, one token a line); only BERT WordPiece tokenizers are supported.", vocabPath);
        var tokenizerConfig = Path.Combine(folder, TokenizerConfigFileName);
        var (doLowerCase, maxLength) = ReadTokenizerConfig(tokenizerConfig, tokenizerConfig);

        var safetensors = Path.Combine(folder, SafetensorsFileName);
        var pytorch = Path.Combine(folder, PytorchFileName);
        string weightsPath;
        Dictionary<string, Tensor> weights;
        if (File.Exists(safetensors))
            (weightsPath, weights) = (safetensors, SafetensorsFile.Read(safetensors));
        else if (File.Exists(pytorch))
            (weightsPath, weights) = (pytorch, PytorchCheckpointFile.Read(pytorch));
        else if (File.Exists(Path.Combine(folder, SafetensorsFileName + ".index.json")) || File.Exists(Path.Combine(folder, PytorchFileName + ".index.json")))
            throw new NotSupportedException($"{folder}: the weights are sharded (*.index.json); only a single {SafetensorsFileName} or {PytorchFileName} is supported.");
        else
            throw new FileNotFoundException($"{folder}: the model folder has neither {SafetensorsFileName} nor {PytorchFileName}.", safetensors);

        return new HfCheckpoint(folder, config, weights, weightsPath, vocabPath, doLowerCase, maxLength);
    }

    /// <summary>
    /// Checks, without reading a weight, that the folder would load: config.json valid, the weights' header valid and
    /// every tensor the shape config.json implies, vocab.txt non-empty, within vocab_size and with BertTokenizer's special
    /// tokens, tokenizer_config.json readable. The model stage runs this before it publishes.
    /// </summary>
    /// <param name="folder">the folder to check</param>
    /// <param name="sourceOf">what errors call a file of the folder, by file name (the user's own file when the folder is a copy); null: its path</param>
    /// <returns>the folder's config</returns>
    public static BertConfig Validate(string folder, Func<string, string>? sourceOf = null)
    {
        string Source(string name) => sourceOf?.Invoke(name) ?? Path.Combine(folder, name);
        var config = BertConfig.Load(Path.Combine(folder, BertConfig.FileName), Source(BertConfig.FileName));

        var vocabPath = Path.Combine(folder, VocabFileName);
        if (!File.Exists(vocabPath))
            throw new FileNotFoundException($"{Source(VocabFileName)}: no such file; a BERT model folder needs a WordPiece vocab.txt.", Source(VocabFileName));
        var vocabulary = Text.WordPieceVocabulary.Load(vocabPath, Source(VocabFileName));
        if (vocabulary.Count > config.VocabSize)
            throw new InvalidDataException($"{Source(VocabFileName)}: {vocabulary.Count} tokens but {Source(BertConfig.FileName)} has vocab_size {config.VocabSize}; every token id must have an embedding row.");
        var missingTokens = SpecialTokens.Where(s => !vocabulary.TryGetId(s.Token, out _)).Select(s => s.Token).ToList();
        if (missingTokens.Count > 0)
            throw new InvalidDataException($"{Source(VocabFileName)}: lacks the special token(s) {string.Join(", ", missingTokens)}; a BERT vocab.txt must contain {string.Join(", ", SpecialTokens.Select(s => s.Token))}.");
        ReadTokenizerConfig(Path.Combine(folder, TokenizerConfigFileName), Source(TokenizerConfigFileName));

        IReadOnlyDictionary<string, long[]> shapes;
        string weightsSource;
        if (File.Exists(Path.Combine(folder, SafetensorsFileName)))
        {
            weightsSource = Source(SafetensorsFileName);
            shapes = SafetensorsFile.ReadShapes(Path.Combine(folder, SafetensorsFileName), weightsSource);
        }
        else if (File.Exists(Path.Combine(folder, PytorchFileName)))
        {
            weightsSource = Source(PytorchFileName);
            var weights = PytorchCheckpointFile.Read(Path.Combine(folder, PytorchFileName), weightsSource);
            shapes = weights.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);
            foreach (var tensor in weights.Values)
                tensor.Dispose();
        }
        else
            throw new FileNotFoundException($"{Source(SafetensorsFileName)}: no such file, and no {PytorchFileName} either; a model folder needs its weights.", Source(SafetensorsFileName));
        BertCheckpointLoader.Match(shapes, BertCheckpointLoader.ClassifierShapes(config), BertCheckpointLoader.Target.SequenceClassifier,
            config, weightsSource, nameof(BertForSequenceClassification));
        return config;
    }

    /// <summary>
    /// Writes a fine-tuned classifier as a Hugging Face folder (F32 weights, keys sorted, deterministic bytes),
    /// into a temporary folder beside <paramref name="folder"/> that then replaces it by rename.
    /// </summary>
    /// <param name="labels">class names by id for id2label/label2id; null writes <see cref="DefaultLabels"/></param>
    public static void Save(BertForSequenceClassification model, BertConfig config, string vocabPath, string folder, bool doLowerCase,
        IReadOnlyList<string>? labels = null, int modelMaxLength = 512)
    {
        labels ??= DefaultLabels;
        if (labels.Count != model.Config.NumLabels)
            throw new ArgumentException($"The model has {model.Config.NumLabels} output classes but {labels.Count} labels were given ({string.Join(", ", labels)}).", nameof(labels));
        var saved = config with { Architectures = ["BertForSequenceClassification"], Labels = labels.ToArray() };
        saved.Validate();
        var own = model.Config;
        if ((saved.VocabSize, saved.HiddenSize, saved.NumHiddenLayers, saved.NumAttentionHeads, saved.IntermediateSize, saved.MaxPositionEmbeddings, saved.TypeVocabSize)
            != (own.VocabSize, own.HiddenSize, own.NumHiddenLayers, own.NumAttentionHeads, own.IntermediateSize, own.MaxPositionEmbeddings, own.TypeVocabSize))
            throw new ArgumentException($"The config to save describes another architecture than the model's (hidden_size {saved.HiddenSize} vs {own.HiddenSize}, " +
                $"{saved.NumHiddenLayers} vs {own.NumHiddenLayers} layers, vocab_size {saved.VocabSize} vs {own.VocabSize}); pass the model's own config.", nameof(config));
        using var scope = NewDisposeScope();
        var weights = model.state_dict().Select(p => KeyValuePair.Create(p.Key, p.Value.detach().to_type(ScalarType.Float32)));
        Publish(folder, saved, weights, File.ReadAllBytes(vocabPath), doLowerCase, modelMaxLength);
    }

    /// <summary>Writes every file of the folder to a temporary sibling, then swaps it in by rename.</summary>
    internal static void Publish(string folder, BertConfig config, IEnumerable<KeyValuePair<string, Tensor>> weights, byte[] vocab,
        bool doLowerCase, int modelMaxLength)
    {
        folder = Path.GetFullPath(folder);
        var parent = Path.GetDirectoryName(folder) ?? throw new ArgumentException($"{folder}: cannot save a model at a file-system root.");
        Directory.CreateDirectory(parent);
        var vocabText = System.Text.Encoding.UTF8.GetString(vocab);
        foreach (var (_, token) in SpecialTokens)
        {
            if (!vocabText.Split('\n').Any(line => line.TrimEnd('\r') == token))
                throw new InvalidDataException($"The vocabulary lacks the special token {token}; a BERT vocab.txt must contain {string.Join(", ", SpecialTokens.Select(s => s.Token))}.");
        }

        var temp = Path.Combine(parent, $".{Path.GetFileName(folder)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            File.WriteAllText(Path.Combine(temp, BertConfig.FileName), config.ToJson());
            SafetensorsFile.Write(Path.Combine(temp, SafetensorsFileName), weights, new Dictionary<string, string> { ["format"] = "pt" });
            File.WriteAllBytes(Path.Combine(temp, VocabFileName), vocab);
            File.WriteAllText(Path.Combine(temp, TokenizerConfigFileName), TokenizerConfigJson(doLowerCase, modelMaxLength));
            File.WriteAllText(Path.Combine(temp, SpecialTokensMapFileName), SpecialTokensMapJson());
            Swap(temp, folder);
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Moves <paramref name="temp"/> to <paramref name="folder"/>, replacing an existing folder only once the new one is complete.</summary>
    private static void Swap(string temp, string folder)
    {
        if (!Directory.Exists(folder))
        {
            Directory.Move(temp, folder);
            return;
        }
        var old = Path.Combine(Path.GetDirectoryName(folder)!, $".{Path.GetFileName(folder)}.old-{Guid.NewGuid():N}");
        Directory.Move(folder, old);
        Directory.Move(temp, folder);
        Directory.Delete(old, recursive: true);
    }

    /// <summary>tokenizer_config.json's do_lower_case and model_max_length; <paramref name="source"/> names the file in errors.</summary>
    internal static (bool DoLowerCase, int? MaxLength) ReadTokenizerConfig(string path, string source)
    {
        if (!File.Exists(path))
            return (true, null);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(BertConfig.ReadBounded(path, source, BertConfig.MaxFileBytes),
                    documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message.Split('\n', 2)[0]}", e);
        }

        var doLowerCase = true;
        if (root["do_lower_case"] is { } lower)
        {
            if (lower is not JsonValue v || !v.TryGetValue(out doLowerCase))
                throw new InvalidDataException($"{source}: do_lower_case = {BertConfig.Abbreviate(lower.ToJsonString())} is not valid; expected true or false.");
        }
        int? maxLength = null;
        // Hugging Face writes a huge sentinel (1e30) when no limit was set.
        if (root["model_max_length"] is JsonValue m && m.TryGetValue(out double max) && max is > 0 and <= int.MaxValue)
            maxLength = (int)max;
        return (doLowerCase, maxLength);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2, NewLine = "\n" };

    private static string TokenizerConfigJson(bool doLowerCase, int modelMaxLength)
    {
        var root = new JsonObject
        {
            ["clean_up_tokenization_spaces"] = true,
            ["cls_token"] = "[CLS]",
            ["do_lower_case"] = doLowerCase,
            ["mask_token"] = "[MASK]",
            ["model_max_length"] = modelMaxLength,
            ["pad_token"] = "[PAD]",
            ["sep_token"] = "[SEP]",
            ["strip_accents"] = null,
            ["tokenize_chinese_chars"] = true,
            ["tokenizer_class"] = "BertTokenizer",
            ["unk_token"] = "[UNK]",
        };
        return root.ToJsonString(Indented) + "\n";
    }

    private static string SpecialTokensMapJson()
    {
        var root = new JsonObject();
        foreach (var (key, token) in SpecialTokens)
            root[key] = token;
        return root.ToJsonString(Indented) + "\n";
    }
}
