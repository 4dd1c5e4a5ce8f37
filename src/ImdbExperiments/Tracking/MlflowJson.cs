using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImdbExperiments.Tracking;

/// <summary>The JSON spellings MLflow's REST API uses (protobuf JSON), shared by the REST client's three parts.</summary>
internal static class MlflowJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object, its fields written by <paramref name="writeFields"/>, as UTF-8 bytes.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteKeyValue(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteStartObject();
        WriteKeyValueFields(writer, key, value);
        writer.WriteEndObject();
    }

    public static void WriteKeyValueFields(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteString("key", key);
        writer.WriteString("value", value);
    }

    /// <summary>One metric as MLflow's Metric message and the journal spell it; <paramref name="extraFields"/> adds fields (model_id, ...).</summary>
    public static void WriteMetric(Utf8JsonWriter writer, Metric metric, Action<Utf8JsonWriter>? extraFields = null)
    {
        writer.WriteStartObject();
        writer.WriteString("key", metric.Key);
        // Protobuf's JSON spelling of non-finite doubles, which MLflow's parser expects.
        if (double.IsNaN(metric.Value))
            writer.WriteString("value", "NaN");
        else if (double.IsPositiveInfinity(metric.Value))
            writer.WriteString("value", "Infinity");
        else if (double.IsNegativeInfinity(metric.Value))
            writer.WriteString("value", "-Infinity");
        else
            writer.WriteNumber("value", metric.Value);
        writer.WriteNumber("timestamp", metric.TimestampMs);
        writer.WriteNumber("step", metric.Step);
        extraFields?.Invoke(writer);
        writer.WriteEndObject();
    }

    public static string? ReadString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    // Protobuf JSON may spell int64 as a string.
    public static long? ReadInt64(JsonElement element, string name) =>
        ReadString(element, name) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static double ReadDouble(JsonElement element, string name) => ReadString(element, name) switch
    {
        null => 0,
        "NaN" or "nan" => double.NaN,
        "Infinity" or "inf" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
