using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImdbExperiments.Data;

/// <summary>
/// The ingest stage's output: JSON Lines, UTF-8 without BOM, one review per line, each line ending in "\n":
/// <c>{"id":"train/pos/123","split":"train","label":1,"rating":9,"text":"..."}</c>, keys in that order.
/// <c>label</c> is 0 (negative) or 1 (positive); <c>text</c> is the archive's text verbatim (JSON-escaped only
/// where JSON requires it; non-ASCII characters are written as UTF-8, not as \u escapes).
/// </summary>
public static class ReviewFile
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keeps "café" and "<br />" readable; still valid JSON
        Indented = false,
        SkipValidation = true,
    };

    /// <summary>Reads every review in file order. Errors name the file and line.</summary>
    public static IReadOnlyList<Review> Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new FileNotFoundException($"Review file '{path}' does not exist; run the ingest stage to create it.", path, ex);
        }

        var reviews = new List<Review>(bytes.Length / 1200 + 16);
        var span = bytes.AsSpan();
        int lineNumber = 0;
        while (!span.IsEmpty)
        {
            lineNumber++;
            int end = span.IndexOf((byte)'\n');
            if (end < 0)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: the last line does not end in \"\\n\"; the file is truncated.");
            }

            reviews.Add(ParseLine(span[..end], path, lineNumber));
            span = span[(end + 1)..];
        }

        return reviews;
    }

    /// <summary>Writes one line (record and "\n"). The text is UTF-8 that the caller has validated.</summary>
    internal static void WriteLine(
        Utf8JsonWriter writer, IBufferWriter<byte> output, string id, ReviewSplit split, int label, int rating, ReadOnlySpan<byte> utf8Text)
    {
        writer.Reset(output);
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("split"u8, ReviewNames.SplitName(split));
        writer.WriteNumber("label"u8, label);
        writer.WriteNumber("rating"u8, rating);
        writer.WriteString("text"u8, utf8Text);
        writer.WriteEndObject();
        writer.Flush();
        output.Write("\n"u8);
    }

    internal static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, WriterOptions);

    private static Review ParseLine(ReadOnlySpan<byte> line, string path, int lineNumber)
    {
        string? id = null, text = null;
        ReviewSplit? split = null;
        int? label = null, rating = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
                else if (reader.ValueTextEquals("text"u8)) { reader.Read(); text = reader.GetString(); }
                else if (reader.ValueTextEquals("label"u8)) { reader.Read(); label = reader.GetInt32(); }
                else if (reader.ValueTextEquals("rating"u8)) { reader.Read(); rating = reader.GetInt32(); }
                else if (reader.ValueTextEquals("split"u8))
                {
                    reader.Read();
                    split = reader.ValueTextEquals("train"u8) ? ReviewSplit.Train
                        : reader.ValueTextEquals("test"u8) ? ReviewSplit.Test
                        : throw new FormatException($"\"split\" is \"{reader.GetString()}\"; allowed: \"train\", \"test\"");
                }
                else
                {
                    throw new FormatException($"unknown key \"{reader.GetString()}\"; allowed: id, split, label, rating, text");
                }
            }

            Expect(reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "exactly one JSON object");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} line {lineNumber}: {ex.Message}", ex);
        }

        if (id is null || split is null || label is null || rating is null || text is null)
        {
            throw new InvalidDataException($"{path} line {lineNumber}: a review needs all of id, split, label, rating, text.");
        }

        if (label is not (Review.Negative or Review.Positive))
        {
            throw new InvalidDataException($"{path} line {lineNumber}: label is {label}; allowed: 0 (negative), 1 (positive).");
        }

        return new Review(id, split.Value, label.Value, rating.Value, text);
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FormatException($"expected {what}");
        }
    }
}
