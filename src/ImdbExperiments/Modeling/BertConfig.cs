using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Modeling;

/// <summary>
/// A BERT model's shape and hyperparameters, as Hugging Face writes them in config.json.
/// Fields this code does not use are kept in <see cref="ExtraFields"/> and written back unchanged.
/// </summary>
public sealed record BertConfig
{
    public const string FileName = "config.json";

    public int VocabSize { get; init; } = 30522;
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    /// <summary>Only "gelu" (the exact, erf-based GELU) is supported.</summary>
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double InitializerRange { get; init; } = 0.02;
    public double LayerNormEps { get; init; } = 1e-12;
    public int PadTokenId { get; init; }
    /// <summary>Only "absolute" is supported.</summary>
    public string PositionEmbeddingType { get; init; } = "absolute";
    /// <summary>Dropout before the classifier; null means <see cref="HiddenDropoutProb"/>, as in Hugging Face.</summary>
    public double? ClassifierDropout { get; init; }
    /// <summary>Class names by class id (id2label); its length is num_labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];
    public IReadOnlyList<string> Architectures { get; init; } = [];
    public string ModelType { get; init; } = "bert";
    /// <summary>config.json fields this code does not read (transformers_version, torch_dtype, ...), as raw JSON by name.</summary>
    public IReadOnlyDictionary<string, string> ExtraFields { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public int NumLabels => Labels.Count;
    public int HeadDim => HiddenSize / NumAttentionHeads;
    public double EffectiveClassifierDropout => ClassifierDropout ?? HiddenDropoutProb;

    /// <summary>
    /// Keys a checkpoint's config.json must give. Hugging Face's BertConfig (configuration_bert.py) defaults every
    /// key to bert-base's value, but these fix the weights' shapes and the attention split, so a folder that omits
    /// one would be read as bert-base's architecture and fail, or compute wrongly, far from the cause.
    /// </summary>
    public static readonly IReadOnlyList<string> RequiredKeys =
        ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size"];

    // Bounds well above any BERT-family checkpoint (bert-large: 24 layers, hidden 1024; multilingual vocabularies ~250k),
    // low enough that a hostile config fails here instead of allocating gigabytes inside libtorch.
    public const int MaxHiddenLayers = 128;
    public const int MaxHiddenSize = 16_384;
    public const int MaxIntermediateSize = 65_536;
    public const int MaxVocabSize = 1_048_576;
    public const int MaxPositionEmbeddingsLimit = 65_536;
    public const int MaxTypeVocabSize = 1_024;
    public const int MaxLabels = 10_000;
    /// <summary>The most parameters a config may describe: 2^31 (8 GiB of float32), six times bert-large.</summary>
    public const long MaxParameters = 1L << 31;
    /// <summary>config.json larger than this is not a config (bert-base's is under 1 KiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>Reads and validates a Hugging Face config.json.</summary>
    /// <param name="path">the file to read</param>
    /// <param name="source">what errors call the file (the user's own path when <paramref name="path"/> is a copy); null: the path</param>
    public static BertConfig Load(string path, string? source = null)
    {
        source ??= path;
        if (!File.Exists(path))
            throw new FileNotFoundException($"{source}: the model folder has no {FileName}.", source);
        return Parse(ReadBounded(path, source, MaxFileBytes), source);
    }

    /// <summary>A small text file's contents, refusing one over <paramref name="maxBytes"/> before reading it.</summary>
    internal static string ReadBounded(string path, string source, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > maxBytes)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{source}: {stream.Length:N0} bytes is too large for this file; at most {maxBytes:N0} bytes are allowed."));
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        return reader.ReadToEnd();
    }

    /// <summary>Parses and validates config.json text; <paramref name="source"/> names the file in errors.</summary>
    public static BertConfig Parse(string json, string source = FileName)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidDataException($"{source}: expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message.Split('\n', 2)[0]}", e);
        }

        var missing = RequiredKeys.Where(k => root[k] is null).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{source}: missing {string.Join(", ", missing)}; a checkpoint's config.json must give {string.Join(", ", RequiredKeys)} (they fix the weights' shapes).");

        var reader = new FieldReader(root, source);
        var defaults = new BertConfig();
        var config = new BertConfig
        {
            VocabSize = reader.Int("vocab_size", defaults.VocabSize),
            HiddenSize = reader.Int("hidden_size", defaults.HiddenSize),
            NumHiddenLayers = reader.Int("num_hidden_layers", defaults.NumHiddenLayers),
            NumAttentionHeads = reader.Int("num_attention_heads", defaults.NumAttentionHeads),
            IntermediateSize = reader.Int("intermediate_size", defaults.IntermediateSize),
            HiddenAct = reader.String("hidden_act", defaults.HiddenAct),
            HiddenDropoutProb = reader.Double("hidden_dropout_prob", defaults.HiddenDropoutProb),
            AttentionProbsDropoutProb = reader.Double("attention_probs_dropout_prob", defaults.AttentionProbsDropoutProb),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", defaults.MaxPositionEmbeddings),
            TypeVocabSize = reader.Int("type_vocab_size", defaults.TypeVocabSize),
            InitializerRange = reader.Double("initializer_range", defaults.InitializerRange),
            LayerNormEps = reader.Double("layer_norm_eps", defaults.LayerNormEps),
            PadTokenId = reader.Int("pad_token_id", defaults.PadTokenId),
            PositionEmbeddingType = reader.String("position_embedding_type", defaults.PositionEmbeddingType),
            ClassifierDropout = reader.NullableDouble("classifier_dropout"),
            Labels = reader.Labels(),
            Architectures = reader.StringArray("architectures"),
            ModelType = reader.String("model_type", defaults.ModelType),
            ExtraFields = reader.Unread(),
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Throws if this configuration describes a model that <see cref="BertModel"/> cannot build.</summary>
    public void Validate(string source = FileName)
    {
        static InvalidDataException Bad(string source, string field, object value, string allowed) =>
            new($"{source}: {field} = {Format(value)} is not supported; {allowed}.");

        if (ModelType != "bert")
            throw Bad(source, "model_type", ModelType, "supported: \"bert\"");
        if (HiddenAct != "gelu")
            throw Bad(source, "hidden_act", HiddenAct, "supported: \"gelu\" (the exact erf GELU; \"gelu_new\" and other approximations are not implemented)");
        if (PositionEmbeddingType != "absolute")
            throw Bad(source, "position_embedding_type", PositionEmbeddingType, "supported: \"absolute\"");
        foreach (var (field, value, max) in new[]
                 {
                     ("vocab_size", VocabSize, MaxVocabSize), ("hidden_size", HiddenSize, MaxHiddenSize), ("num_hidden_layers", NumHiddenLayers, MaxHiddenLayers),
                     ("num_attention_heads", NumAttentionHeads, HiddenSize), ("intermediate_size", IntermediateSize, MaxIntermediateSize),
                     ("max_position_embeddings", MaxPositionEmbeddings, MaxPositionEmbeddingsLimit), ("type_vocab_size", TypeVocabSize, MaxTypeVocabSize),
                 })
        {
            if (value <= 0 || value > max)
                throw Bad(source, field, value, $"allowed: an integer in [1, {max:D}]");
        }
        if (HiddenSize % NumAttentionHeads != 0)
            throw Bad(source, "num_attention_heads", NumAttentionHeads, $"it must divide hidden_size ({HiddenSize})");
        if (Labels.Count > MaxLabels)
            throw Bad(source, "num_labels", Labels.Count, $"allowed: an integer in [1, {MaxLabels:D}]");
        if (ParameterCount() > MaxParameters)
            throw Bad(source, "num_hidden_layers", NumHiddenLayers,
                $"with hidden_size {HiddenSize}, intermediate_size {IntermediateSize} and vocab_size {VocabSize} the model has {ParameterCount().ToString("N0", CultureInfo.InvariantCulture)} parameters; at most {MaxParameters.ToString("N0", CultureInfo.InvariantCulture)} are allowed");
        foreach (var (field, value) in new[]
                 {
                     ("hidden_dropout_prob", (double?)HiddenDropoutProb), ("attention_probs_dropout_prob", AttentionProbsDropoutProb),
                     ("classifier_dropout", ClassifierDropout),
                 })
        {
            if (value is { } p && (p < 0 || p >= 1 || double.IsNaN(p)))
                throw Bad(source, field, p, "a dropout probability must be in [0, 1)");
        }
        if (!(InitializerRange > 0))
            throw Bad(source, "initializer_range", InitializerRange, "it must be a positive standard deviation");
        if (!(LayerNormEps > 0))
            throw Bad(source, "layer_norm_eps", LayerNormEps, "it must be positive");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw Bad(source, "pad_token_id", PadTokenId, $"it must be a token id in [0, {VocabSize})");
        if (Labels.Count == 0)
            throw Bad(source, "id2label", "{}", "a classifier needs at least one label");
        if (Labels.Distinct(StringComparer.Ordinal).Count() != Labels.Count)
            throw Bad(source, "id2label", string.Join(", ", Labels), "label names must be distinct (label2id maps them back)");
    }

    /// <summary>How many parameters BertForSequenceClassification has for this config (checked: the fields are bounded ints).</summary>
    public long ParameterCount()
    {
        long h = HiddenSize, i = IntermediateSize;
        var embeddings = checked(((long)VocabSize + MaxPositionEmbeddings + TypeVocabSize) * h + 2 * h);
        var layer = checked(4 * (h * h + h) + 2 * (2 * h) + (h * i + i) + (i * h + h));
        return checked(embeddings + NumHiddenLayers * layer + (h * h + h) + (NumLabels * h + NumLabels));
    }

    /// <summary>config.json text: every field, keys sorted, two-space indent, "\n" line ends (deterministic).</summary>
    public string ToJson()
    {
        var fields = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, raw) in ExtraFields)
            fields[name] = JsonNode.Parse(raw);

        var id2Label = new JsonObject();
        var label2Id = new JsonObject();
        for (var i = 0; i < Labels.Count; i++)
        {
            id2Label[i.ToString(CultureInfo.InvariantCulture)] = Labels[i];
            label2Id[Labels[i]] = i;
        }

        fields["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        fields["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        fields["classifier_dropout"] = ClassifierDropout is { } c ? JsonValue.Create(c) : null;
        fields["hidden_act"] = HiddenAct;
        fields["hidden_dropout_prob"] = HiddenDropoutProb;
        fields["hidden_size"] = HiddenSize;
        fields["id2label"] = id2Label;
        fields["initializer_range"] = InitializerRange;
        fields["intermediate_size"] = IntermediateSize;
        fields["label2id"] = label2Id;
        fields["layer_norm_eps"] = LayerNormEps;
        fields["max_position_embeddings"] = MaxPositionEmbeddings;
        fields["model_type"] = ModelType;
        fields["num_attention_heads"] = NumAttentionHeads;
        fields["num_hidden_layers"] = NumHiddenLayers;
        fields["pad_token_id"] = PadTokenId;
        fields["position_embedding_type"] = PositionEmbeddingType;
        fields["type_vocab_size"] = TypeVocabSize;
        fields["vocab_size"] = VocabSize;

        var root = new JsonObject();
        foreach (var (name, node) in fields)
            root[name] = node;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2, NewLine = "\n" }) + "\n";
    }

    /// <summary>A value as an error shows it: at most 100 characters, one line (a hostile file's value can be megabytes).</summary>
    internal static string Abbreviate(string text)
    {
        text = text.ReplaceLineEndings(" ");
        return text.Length <= 100 ? text : text[..100] + "…";
    }

    private static string Format(object value) => value switch
    {
        string s => Abbreviate(JsonSerializer.Serialize(s)),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
    };

    /// <summary>Reads typed fields off the JSON object and remembers which were read.</summary>
    private sealed class FieldReader(JsonObject root, string source)
    {
        private readonly HashSet<string> _read = new(StringComparer.Ordinal);

        public int Int(string field, int fallback)
        {
            var node = Take(field);
            if (node is null)
                return fallback;
            if (node is JsonValue v && v.TryGetValue(out long l) && l is >= int.MinValue and <= int.MaxValue)
                return (int)l;
            if (node is JsonValue d && d.TryGetValue(out double x) && x == Math.Floor(x) && Math.Abs(x) <= int.MaxValue)
                return (int)x;
            throw Invalid(field, node, "an integer");
        }

        public double Double(string field, double fallback) => NullableDouble(field) ?? fallback;

        public double? NullableDouble(string field)
        {
            var node = Take(field);
            if (node is null)
                return null;
            if (node is JsonValue v && v.TryGetValue(out double d))
                return d;
            throw Invalid(field, node, "a number");
        }

        public string String(string field, string fallback)
        {
            var node = Take(field);
            if (node is null)
                return fallback;
            if (node is JsonValue v && v.TryGetValue(out string? s))
                return s;
            throw Invalid(field, node, "a string");
        }

        public IReadOnlyList<string> StringArray(string field)
        {
            var node = Take(field);
            if (node is null)
                return [];
            if (node is JsonArray array && array.All(e => e is JsonValue v && v.TryGetValue(out string? _)))
                return array.Select(e => e!.GetValue<string>()).ToArray();
            throw Invalid(field, node, "an array of strings");
        }

        /// <summary>id2label wins; else label2id; else num_labels generic names; else two generic labels.</summary>
        public IReadOnlyList<string> Labels()
        {
            var id2Label = Take("id2label");
            var label2Id = Take("label2id");
            var numLabelsNode = Take("num_labels");
            int? numLabels = numLabelsNode is JsonValue n && n.TryGetValue(out int k) ? k : null;
            if (numLabelsNode is not null && numLabels is null)
                throw Invalid("num_labels", numLabelsNode, "an integer");

            string[]? labels = null;
            if (id2Label is JsonObject byId)
                labels = Indexed(byId.Select(p => (p.Key, p.Value)), "id2label", swap: false);
            else if (id2Label is not null)
                throw Invalid("id2label", id2Label, "an object mapping class ids (\"0\", \"1\", ...) to names");
            else if (label2Id is JsonObject byName)
                labels = Indexed(byName.Select(p => (p.Key, p.Value)), "label2id", swap: true);

            if (labels is null)
            {
                var count = numLabels ?? 2;
                if (count <= 0 || count > MaxLabels)
                    throw Invalid("num_labels", numLabelsNode!, $"an integer in [1, {MaxLabels:D}]");
                labels = Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
            }
            if (numLabels is { } expected && expected != labels.Length)
                throw new InvalidDataException($"{source}: num_labels = {expected} but id2label/label2id has {labels.Length} labels; make them agree.");
            return labels;
        }

        /// <summary>Orders label names by class id; swap reads label2id (name -> id) instead of id2label.</summary>
        private string[] Indexed(IEnumerable<(string Key, JsonNode? Value)> pairs, string field, bool swap)
        {
            var byId = new SortedDictionary<int, string>();
            foreach (var (k, v) in pairs)
            {
                string idText, name;
                if (swap)
                {
                    name = k;
                    idText = v is JsonValue jv && jv.TryGetValue(out int idValue) ? idValue.ToString(CultureInfo.InvariantCulture) : "";
                }
                else
                {
                    idText = k;
                    name = v is JsonValue jv && jv.TryGetValue(out string? s) ? s : "";
                }
                if (!int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || name.Length == 0 || !byId.TryAdd(id, name))
                    throw new InvalidDataException($"{source}: {field} entry \"{Abbreviate(k)}\": {Abbreviate(v?.ToJsonString() ?? "null")} is not valid; expected distinct class ids 0..n-1 and non-empty names.");
            }
            if (byId.Count > 0 && (byId.Keys.First() != 0 || byId.Keys.Last() != byId.Count - 1))
                throw new InvalidDataException($"{source}: {field} has class ids {string.Join(", ", byId.Keys)}; they must be 0..{byId.Count - 1} with none missing.");
            return byId.Values.ToArray();
        }

        public IReadOnlyDictionary<string, string> Unread()
        {
            var extra = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, node) in root)
            {
                if (!_read.Contains(name))
                    extra[name] = node?.ToJsonString() ?? "null";
            }
            return extra;
        }

        private JsonNode? Take(string field)
        {
            _read.Add(field);
            return root.TryGetPropertyValue(field, out var node) ? node : null;
        }

        private InvalidDataException Invalid(string field, JsonNode node, string expected) =>
            new($"{source}: {field} = {Abbreviate(node.ToJsonString())} is not valid; expected {expected}.");
    }
}
