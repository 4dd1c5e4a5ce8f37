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

    /// <summary>Reads and validates a Hugging Face config.json.</summary>
    public static BertConfig Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"{path}: the model folder has no {FileName}.", path);
        }
        return Parse(json, path);
    }

    /// <summary>Parses and validates config.json text; <paramref name="source"/> names the file in errors.</summary>
    public static BertConfig Parse(string json, string source = FileName)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject
                ?? throw new InvalidDataException($"{source}: expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }

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
        foreach (var (field, value) in new[]
                 {
                     ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers),
                     ("num_attention_heads", NumAttentionHeads), ("intermediate_size", IntermediateSize),
                     ("max_position_embeddings", MaxPositionEmbeddings), ("type_vocab_size", TypeVocabSize),
                 })
        {
            if (value <= 0)
                throw Bad(source, field, value, "it must be a positive integer");
        }
        if (HiddenSize % NumAttentionHeads != 0)
            throw Bad(source, "num_attention_heads", NumAttentionHeads, $"it must divide hidden_size ({HiddenSize})");
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

    private static string Format(object value) => value switch
    {
        string s => JsonSerializer.Serialize(s),
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
                if (count <= 0)
                    throw Invalid("num_labels", numLabelsNode!, "a positive integer");
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
                    throw new InvalidDataException($"{source}: {field} entry \"{k}\": {v?.ToJsonString() ?? "null"} is not valid; expected distinct class ids 0..n-1 and non-empty names.");
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
            new($"{source}: {field} = {node.ToJsonString()} is not valid; expected {expected}.");
    }
}
