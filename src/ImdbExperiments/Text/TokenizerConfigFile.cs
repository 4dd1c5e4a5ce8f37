using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Text;

/// <summary>
/// The tokenization a trained folder was made with, in its <c>tokenizer_config.json</c>: Hugging Face's keys where
/// BertTokenizer has one (<c>do_lower_case</c>, <c>model_max_length</c>, <c>truncation_side</c>, <c>strip_accents</c>,
/// <c>tokenize_chinese_chars</c>), namespaced keys for the rest (<c>imdbx_truncation</c>, <c>imdbx_head_tokens</c>,
/// <c>imdbx_strip_html</c>), so prediction reads back exactly what training used.
/// </summary>
public static class TokenizerConfigFile
{
    public const string FileName = "tokenizer_config.json";

    // A tokenizer config is a few hundred bytes; anything far larger is not one.
    const long MaxBytes = 1 << 20;

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Adds the encoder's settings to the folder's tokenizer_config.json (kept keys stay), replacing it atomically.</summary>
    public static void Write(string folder, WordPieceEncoderOptions options)
    {
        var path = Path.Combine(folder, FileName);
        var root = File.Exists(path) ? ParseObject(path) : new JsonObject();
        root["do_lower_case"] = options.Lowercase;
        root["model_max_length"] = options.MaxLength;
        // Hugging Face truncates "right" (keeps the head) or "left" (keeps the tail); head+tail keeps the head side's default.
        root["truncation_side"] = options.Truncation == TruncationMode.Tail ? "left" : "right";
        root["strip_accents"] = options.StripAccents;
        root["tokenize_chinese_chars"] = options.TokenizeChineseChars;
        root["imdbx_truncation"] = Name(options.Truncation);
        root["imdbx_head_tokens"] = options.HeadTokens;
        root["imdbx_strip_html"] = options.StripHtml;
        var temporary = Path.Combine(folder, $".{FileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, root.ToJsonString(Indented));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The encoder options the folder's tokenizer_config.json says, on top of <paramref name="defaults"/> for what it
    /// does not say. A bad value is an <see cref="InvalidDataException"/> naming the file, the key, the value and what is allowed.
    /// </summary>
    public static WordPieceEncoderOptions Read(string folder, WordPieceEncoderOptions defaults)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            return defaults;
        var root = ParseObject(path);
        var options = defaults;
        if (Bool(root, path, "do_lower_case") is { } lower)
            options = options with { Lowercase = lower };
        if (root.ContainsKey("strip_accents"))
            options = options with { StripAccents = Bool(root, path, "strip_accents") };
        if (Bool(root, path, "tokenize_chinese_chars") is { } chinese)
            options = options with { TokenizeChineseChars = chinese };
        if (Int(root, path, "model_max_length") is { } max)
            options = options with { MaxLength = max };
        if (String(root, path, "truncation_side") is { } side)
            options = options with { Truncation = side switch
            {
                "right" => TruncationMode.Head,
                "left" => TruncationMode.Tail,
                _ => throw Bad(path, "truncation_side", side, "\"right\" or \"left\""),
            } };
        if (String(root, path, "imdbx_truncation") is { } truncation)
            options = options with { Truncation = Parse(path, truncation) };
        if (Int(root, path, "imdbx_head_tokens") is { } head)
            options = options with { HeadTokens = head };
        if (Bool(root, path, "imdbx_strip_html") is { } html)
            options = options with { StripHtml = html };
        return options;
    }

    public static string Name(TruncationMode mode) => mode switch
    {
        TruncationMode.Tail => "tail",
        TruncationMode.HeadPlusTail => "head+tail",
        _ => "head",
    };

    static TruncationMode Parse(string path, string text) => text switch
    {
        "head" => TruncationMode.Head,
        "tail" => TruncationMode.Tail,
        "head+tail" => TruncationMode.HeadPlusTail,
        _ => throw Bad(path, "imdbx_truncation", text, "\"head\", \"tail\" or \"head+tail\""),
    };

    static JsonObject ParseObject(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw new InvalidDataException($"{path}: {length} bytes; a tokenizer config of at most {MaxBytes} bytes is expected.");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {exception.Message}", exception);
        }
    }

    static bool? Bool(JsonObject root, string path, string key) => root[key] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        var other => throw Bad(path, key, other.ToJsonString(), "true, false or null"),
    };

    // Hugging Face writes a huge sentinel (1e30) for "no limit"; only a length an encoder can use is taken.
    static int? Int(JsonObject root, string path, string key) => root[key] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int number) && number >= 0 => number,
        JsonValue value when key == "model_max_length" && value.GetValueKind() == JsonValueKind.Number => null,
        var other => throw Bad(path, key, other.ToJsonString(), "a whole number from 0 to 2147483647"),
    };

    static string? String(JsonObject root, string path, string key) => root[key] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        var other => throw Bad(path, key, other.ToJsonString(), "a string"),
    };

    static InvalidDataException Bad(string path, string key, string value, string allowed) =>
        new($"{path}: {key} is {value}; allowed: {allowed}.");
}
