using System.Text;

namespace ImdbExperiments.Cli;

/// <summary>
/// The texts <c>imdbx predict</c> scores: each --text, then each non-blank line of --file. An empty text is refused (a model
/// scores nothing confidently), and the file is decoded as strict UTF-8, as ingest decodes reviews, instead of turning bad
/// bytes into U+FFFD and scoring those.
/// </summary>
static class PredictInputs
{
    /// <summary>More than this is not a list of reviews; refused before it is read into memory.</summary>
    public const long MaxFileBytes = 256L << 20;

    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<string> Read(IReadOnlyList<string> texts, string? file)
    {
        var inputs = new List<string>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
                throw new ArgumentException($"--text #{i + 1} is {(texts[i].Length == 0 ? "empty" : "only whitespace")}; give a review to score.");
            inputs.Add(texts[i]);
        }
        if (file is not null)
            inputs.AddRange(file == "-" ? Lines(ReadBounded(Console.OpenStandardInput(), "standard input"), "standard input") : ReadFile(file));
        return inputs;
    }

    static IEnumerable<string> ReadFile(string path)
    {
        var full = UserFile.RequireRegular(path, "--file");
        using var stream = File.OpenRead(full);
        return Lines(ReadBounded(stream, $"--file '{path}'"), $"--file '{path}'");
    }

    static byte[] ReadBounded(Stream stream, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxFileBytes)
                throw new ArgumentException($"{name} is larger than {MaxFileBytes >> 20} MiB; split it into smaller files.");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>Non-blank lines, each decoded strictly; a bad byte names its line (1-based) and byte column.</summary>
    static List<string> Lines(byte[] bytes, string name)
    {
        ReadOnlySpan<byte> rest = bytes;
        if (rest.StartsWith("\uFEFF"u8)) rest = rest[3..];
        var lines = new List<string>();
        for (var number = 1; !rest.IsEmpty; number++)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            string text;
            try
            {
                text = Strict.GetString(line).TrimEnd('\r');
            }
            catch (DecoderFallbackException e)
            {
                throw new ArgumentException($"{name} line {number} is not valid UTF-8 (byte {e.Index + 1} of the line is 0x{e.BytesUnknown?.FirstOrDefault():X2}); save it as UTF-8.");
            }
            if (!string.IsNullOrWhiteSpace(text)) lines.Add(text);
        }
        return lines;
    }
}
