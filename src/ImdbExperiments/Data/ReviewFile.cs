using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ImdbExperiments.Data;

/// <summary>
/// The ingest stage's output: JSON Lines, UTF-8 without BOM, one review per line, each line ending in "\n":
/// <c>{"id":"train/pos/123","split":"train","label":1,"rating":9,"text":"..."}</c>, keys in that order.
/// <c>label</c> is 0 (negative) or 1 (positive), or the class id of a larger label set; <c>text</c> is the archive's text verbatim (JSON-escaped only
/// where JSON requires it; non-ASCII characters are written as UTF-8, not as \u escapes).
/// </summary>
public static class ReviewFile
{
    private const int ParallelThreshold = 4 << 20;

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

        // Large files are parsed in chunks that start after a "\n", in parallel; chunk order is file order.
        int chunkCount = bytes.Length < ParallelThreshold ? 1 : Environment.ProcessorCount;
        var starts = new List<int> { 0 };
        for (int c = 1; c < chunkCount; c++)
        {
            int target = Math.Max(starts[^1], (int)((long)bytes.Length * c / chunkCount));
            int newline = bytes.AsSpan(target).IndexOf((byte)'\n');
            if (newline >= 0 && target + newline + 1 < bytes.Length)
            {
                starts.Add(target + newline + 1);
            }
        }

        starts.Add(bytes.Length);
        var chunks = new List<Review>[starts.Count - 1];
        var errors = new Exception?[chunks.Length];
        Parallel.For(0, chunks.Length, c =>
        {
            try
            {
                chunks[c] = ParseLines(bytes, starts[c], starts[c + 1], path);
            }
            catch (InvalidDataException ex)
            {
                errors[c] = ex;
            }
        });

        if (errors.FirstOrDefault(e => e is not null) is { } first)
        {
            ExceptionDispatchInfo.Throw(first); // the earliest bad line in the file
        }

        var reviews = new List<Review>(chunks.Sum(c => c.Count));
        foreach (var chunk in chunks)
        {
            reviews.AddRange(chunk);
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

    private static List<Review> ParseLines(byte[] bytes, int start, int end, string path)
    {
        var reviews = new List<Review>((end - start) / 1200 + 16);
        var span = bytes.AsSpan(start, end - start);
        int offset = start;
        while (!span.IsEmpty)
        {
            int newline = span.IndexOf((byte)'\n');
            if (newline < 0)
            {
                throw new InvalidDataException(
                    $"{path} line {LineNumber(bytes, offset)}: the last line does not end in \"\\n\"; the file is truncated.");
            }

            try
            {
                reviews.Add(ParseLine(span[..newline]));
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path} line {LineNumber(bytes, offset)}: {ex.Message}", ex);
            }

            span = span[(newline + 1)..];
            offset += newline + 1;
        }

        return reviews;
    }

    /// <summary>The 1-based number of the line that starts at <paramref name="offset"/> (computed for error messages only).</summary>
    private static int LineNumber(byte[] bytes, int offset) => bytes.AsSpan(0, offset).Count((byte)'\n') + 1;

    private static Review ParseLine(ReadOnlySpan<byte> line)
    {
        string? id = null, text = null;
        ReviewSplit? split = null;
        int? label = null, rating = null;
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
                    : throw new FormatException($"\"split\" is \"{reader.GetString()}\"; allowed: \"train\", \"test\".");
            }
            else
            {
                throw new FormatException($"unknown key \"{reader.GetString()}\"; allowed: id, split, label, rating, text.");
            }
        }

        Expect(reader.TokenType == JsonTokenType.EndObject && !reader.Read(), "exactly one JSON object");
        if (id is null || split is null || label is null || rating is null || text is null)
        {
            throw new FormatException("a review needs all of id, split, label, rating, text.");
        }

        if (label is < 0 or >= Review.MaxLabels)
        {
            throw new FormatException($"label is {label}; allowed: a class id from 0 to {Review.MaxLabels - 1} (0 negative, 1 positive for sentiment).");
        }

        return new Review(id, split.Value, label.Value, rating.Value, text);
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FormatException($"expected {what}.");
        }
    }
}
