using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ImdbExperiments.Serving;

/// <summary>
/// The texts of one <c>POST /invocations</c> body, read as MLflow's scoring server reads its inputs
/// (mlflow/pyfunc/scoring_server/__init__.py): a JSON object with exactly one of inputs, instances, dataframe_split,
/// dataframe_records, or a CSV table with a header row; the text is the column <c>text</c>, else the only column.
/// </summary>
public static class ScoringRequest
{
    public const string Json = "application/json", Csv = "text/csv";
    public const string TextColumn = "text";

    static readonly string[] Formats = ["dataframe_records", "dataframe_split", "instances", "inputs"];
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    static readonly string RequiredFormat =
        "The input must be a JSON dictionary with exactly one of the input fields {" + string.Join(", ", Formats.Select(f => $"'{f}'")) + "}";

    /// <summary>The texts in input order; a <see cref="ScoringException"/> (400 or 415) says what is wrong.</summary>
    public static IReadOnlyList<string> Parse(string? contentType, ReadOnlySpan<byte> body, int maxTextChars)
    {
        var mime = MediaType(contentType);
        string text;
        try
        {
            text = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            throw ScoringException.BadRequest("Invalid input. The body is not valid UTF-8.");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var texts = mime == Csv ? ReadCsv(text) : ReadJson(text);
        if (texts.Count == 0) throw ScoringException.BadRequest("Invalid input. No texts to score.");
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
                throw ScoringException.BadRequest($"Invalid input. Text {i} is empty; every text needs at least one non-space character.");
            if (texts[i].Length > maxTextChars)
                throw ScoringException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                    $"Invalid input. Text {i} has {texts[i].Length} characters; at most {maxTextChars} are allowed (--max-text-chars)."));
        }
        return texts;
    }

    /// <summary>application/json or text/csv, with at most a charset=utf-8 parameter; anything else is MLflow's 415.</summary>
    static string MediaType(string? contentType)
    {
        var parts = (contentType ?? "").Split(';', StringSplitOptions.TrimEntries);
        var mime = parts[0].ToLowerInvariant();
        foreach (var parameter in parts.Skip(1).Where(p => p.Length > 0))
        {
            var (key, value) = parameter.IndexOf('=') is var eq and >= 0 ? (parameter[..eq].Trim(), parameter[(eq + 1)..].Trim().Trim('"')) : (parameter, "");
            if (!key.Equals("charset", StringComparison.OrdinalIgnoreCase))
                throw new ScoringException(415, "BAD_REQUEST", $"Unrecognized content type parameters: {key}.");
            if (!value.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
                throw new ScoringException(415, "BAD_REQUEST", "The scoring server only supports UTF-8");
        }
        if (mime is not (Json or Csv))
            throw new ScoringException(415, "BAD_REQUEST",
                $"This predictor only supports the following content types: Types: ['{Csv}', '{Json}']. Got '{contentType}'.");
        return mime;
    }

    static List<string> ReadJson(string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw ScoringException.BadRequest($"Invalid input. Ensure that input is a valid JSON formatted string. Error: '{e.Message}'");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array) throw ScoringException.BadRequest($"Invalid input. {RequiredFormat}. Received a list.");
            if (root.ValueKind != JsonValueKind.Object) throw ScoringException.BadRequest($"Invalid input. {RequiredFormat}. Received unexpected input type '{root.ValueKind}'.");
            var keys = root.EnumerateObject().Select(p => p.Name).ToList();
            var present = Formats.Where(f => root.TryGetProperty(f, out _)).ToList();
            if (present.Count != 1)
                throw ScoringException.BadRequest($"{RequiredFormat}. Received dictionary with input fields: [{string.Join(", ", keys.Select(k => $"'{k}'"))}].");
            var format = present[0];
            var value = root.GetProperty(format);
            return format switch
            {
                "inputs" or "instances" => Tensor(format, value),
                "dataframe_split" => Split(value),
                _ => Records(format, value),
            };
        }
    }

    /// <summary>TF-serving style: a list of strings or of records, or one record of columns (each a list).</summary>
    static List<string> Tensor(string format, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            var column = Column(format, value.EnumerateObject().Select(p => p.Name).ToList());
            var list = value.GetProperty(column);
            if (list.ValueKind == JsonValueKind.String) return [list.GetString()!];
            if (list.ValueKind != JsonValueKind.Array) throw ScoringException.BadRequest($"Invalid input. {format}.{column} must be a list of strings.");
            return list.EnumerateArray().Select((e, i) => Text(e, $"{format}.{column}[{i}]")).ToList();
        }
        if (value.ValueKind != JsonValueKind.Array) throw ScoringException.BadRequest($"Invalid input. {format} must be a list of strings or records.");
        return value.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Object ? RecordText(format, e, i) : Text(e, $"{format}[{i}]")).ToList();
    }

    static List<string> Records(string format, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) throw ScoringException.BadRequest($"Invalid input. {format} must be a list of records.");
        return value.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Object
            ? RecordText(format, e, i)
            : throw ScoringException.BadRequest($"Invalid input. {format}[{i}] must be a record such as {{\"text\": \"...\"}}.")).ToList();
    }

    static string RecordText(string format, JsonElement record, int index)
    {
        var column = Column($"{format}[{index}]", record.EnumerateObject().Select(p => p.Name).ToList());
        return Text(record.GetProperty(column), $"{format}[{index}].{column}");
    }

    /// <summary>pandas' split orient: columns, data rows (index is ignored).</summary>
    static List<string> Split(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("columns", out var columns) || columns.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw ScoringException.BadRequest("Invalid input. dataframe_split must be {\"columns\": [...], \"data\": [[...], ...]}.");
        var names = columns.EnumerateArray().Select((c, i) => c.ValueKind == JsonValueKind.String ? c.GetString()! : $"{i}").ToList();
        var column = names.IndexOf(Column("dataframe_split.columns", names));
        return data.EnumerateArray().Select((row, i) =>
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != names.Count)
                throw ScoringException.BadRequest($"Invalid input. dataframe_split.data[{i}] must be a list of {names.Count} values, one per column.");
            return Text(row[column], $"dataframe_split.data[{i}][{column}]");
        }).ToList();
    }

    static string Column(string where, IReadOnlyList<string> names)
    {
        if (names.Contains(TextColumn)) return TextColumn;
        if (names.Count == 1) return names[0];
        throw ScoringException.BadRequest(
            $"Invalid input. {where} has columns [{string.Join(", ", names.Select(n => $"'{n}'"))}]; name the column of texts '{TextColumn}' (or send only one column).");
    }

    static string Text(JsonElement element, string where) => element.ValueKind == JsonValueKind.String
        ? element.GetString()!
        : throw ScoringException.BadRequest($"Invalid input. {where} is {element.ValueKind.ToString().ToLowerInvariant()}; a text (JSON string) is required.");

    static List<string> ReadCsv(string body)
    {
        var rows = CsvTable.Read(body);
        if (rows.Count == 0) throw ScoringException.BadRequest("Failed to parse input as a Pandas DataFrame: the CSV body has no header row.");
        var header = rows[0];
        var column = header.IndexOf(Column("the CSV header", header));
        var texts = new List<string>(rows.Count - 1);
        for (var r = 1; r < rows.Count; r++)
        {
            if (rows[r].Count != header.Count)
                throw ScoringException.BadRequest($"Failed to parse input as a Pandas DataFrame: CSV row {r} has {rows[r].Count} fields, the header {header.Count}.");
            texts.Add(rows[r][column]);
        }
        return texts;
    }
}
