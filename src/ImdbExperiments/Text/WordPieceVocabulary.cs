using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Text;

/// <summary>
/// A BERT vocab.txt: one token per line, the line number is the id. LF and CRLF files give the same vocabulary.
/// </summary>
public sealed class WordPieceVocabulary
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    private WordPieceVocabulary(string[] tokens, string source)
    {
        _tokens = tokens;
        Source = source;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            _ids[tokens[i]] = i; // A repeated token keeps its last line, as Hugging Face's loaders do.
        }

        Sha256 = ComputeSha256(tokens);
    }

    /// <summary>Number of lines, which is the embedding size a model needs for these ids.</summary>
    public int Count => _tokens.Length;

    /// <summary>Where the vocabulary came from (a path, or a name given by the caller), for error messages.</summary>
    public string Source { get; }

    /// <summary>Lowercase hex SHA-256 of the tokens, each followed by LF, in UTF-8: independent of line endings.</summary>
    public string Sha256 { get; }

    /// <summary>The token of <paramref name="id"/>.</summary>
    public string this[int id] => _tokens[id];

    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>vocab.txt larger than this is not a vocabulary (bert-base's is 232 KB; 1M tokens fit in a few tens of MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <param name="path">the file to read</param>
    /// <param name="source">what errors call the file (the user's own path when <paramref name="path"/> is a copy); null: the path</param>
    public static WordPieceVocabulary Load(string path, string? source = null)
    {
        source ??= path;
        using var stream = File.OpenRead(path);
        if (stream.Length > MaxFileBytes)
            throw new InvalidDataException($"Vocabulary '{source}' is {stream.Length:N0} bytes; at most {MaxFileBytes:N0} bytes are allowed.");
        return Read(stream, source);
    }

    public static WordPieceVocabulary Read(Stream stream, string source)
    {
        // No BOM detection: Hugging Face keeps a BOM as part of the first token, and so do we.
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
        return Parse(reader.ReadToEnd(), source);
    }

    /// <summary>Parses vocab.txt text. Trailing whitespace of each line is dropped (Hugging Face's trim_end).</summary>
    public static WordPieceVocabulary Parse(string text, string source)
    {
        // Lines end at LF only (Rust's lines()); a CR before it goes with the trailing whitespace.
        var tokens = new List<string>();
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
            {
                end = text.Length;
            }

            tokens.Add(text.AsSpan(start, end - start).TrimEnd().ToString());
            start = end + 1;
        }

        if (tokens.Count == 0)
        {
            throw new InvalidDataException($"Vocabulary '{source}' is empty: expected one token per line.");
        }

        return new WordPieceVocabulary(tokens.ToArray(), source);
    }

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of <paramref name="token"/>, or an error naming the vocabulary when it is missing.</summary>
    public int GetRequiredId(string token, string role) =>
        _ids.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"Vocabulary '{Source}' has no {role} token '{token}'; set the token option to one of its lines.");

    private static string ComputeSha256(string[] tokens)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256];
        foreach (var token in tokens)
        {
            int needed = Encoding.UTF8.GetMaxByteCount(token.Length) + 1;
            if (buffer.Length < needed)
            {
                buffer = new byte[needed];
            }

            int length = Encoding.UTF8.GetBytes(token, buffer);
            buffer[length] = (byte)'\n';
            hash.AppendData(buffer, 0, length + 1);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
