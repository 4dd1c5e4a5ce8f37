using System.Buffers;

namespace ImdbExperiments.Text;

/// <summary>
/// BERT WordPiece tokenization that gives the ids of Hugging Face's BertTokenizerFast for the same vocab.txt and
/// settings: its special-token split, BertNormalizer (clean text, CJK padding, NFD accent stripping, lowercase),
/// BertPreTokenizer (split on whitespace, isolate punctuation), WordPiece (greedy longest match, "##" continuations,
/// [UNK] for a word with no match or longer than 100 code points), then [CLS] ... [SEP] and truncation.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers 2.0.1's BertTokenizer (the reference the tests compare with) differs from Hugging Face on
/// real text: it drops ASCII symbols such as &lt; $ + =, keeps _ inside words, joins the words around tab, CR and LF,
/// splits words at Cf characters, matches special tokens case-insensitively and, under invariant globalization, strips
/// no accents. So this class implements the algorithm itself, with the Unicode tables Hugging Face uses, in one pass
/// over each text with an ASCII fast path and no per-word allocations. Instances are immutable and thread-safe.
/// </remarks>
public sealed class WordPieceEncoder
{
    private const byte WordChar = 0, Space = 1, Punctuation = 2, Removed = 3;

    private static readonly SearchValues<char> AsciiWordChars =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private readonly TokenLookup _words;
    private readonly TokenLookup _continuations;
    private readonly (string Token, int Id)[] _specialTokens;
    private readonly SearchValues<char>? _specialTokenStarts;
    private readonly byte[] _asciiClass = new byte[128];
    private readonly char[] _asciiMap = new char[128];
    private readonly bool _lowercase;
    private readonly bool _stripAccents;
    private readonly bool _tokenizeChinese;
    private readonly bool _stripHtml;
    private readonly int _maxInputCharsPerWord;

    [ThreadStatic]
    private static Session? t_session;

    public WordPieceEncoder(WordPieceVocabulary vocabulary, WordPieceEncoderOptions? options = null)
    {
        options ??= new WordPieceEncoderOptions();
        options.Validate();
        Vocabulary = vocabulary;
        Options = options;
        UnknownTokenId = vocabulary.GetRequiredId(options.UnknownToken, "unknown");
        ClassificationTokenId = vocabulary.GetRequiredId(options.ClassificationToken, "classification");
        SeparatorTokenId = vocabulary.GetRequiredId(options.SeparatorToken, "separator");
        _lowercase = options.Lowercase;
        _stripAccents = options.EffectiveStripAccents;
        _tokenizeChinese = options.TokenizeChineseChars;
        _stripHtml = options.StripHtml;
        _maxInputCharsPerWord = options.MaxInputCharsPerWord;

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            ids[vocabulary[id]] = id;
        }

        _words = new TokenLookup(ids);
        _continuations = new TokenLookup(ids.Where(e => e.Key.StartsWith("##", StringComparison.Ordinal) && e.Key.Length > 2)
            .Select(e => KeyValuePair.Create(e.Key[2..], e.Value)));

        // Longest first, so that the leftmost match is also the longest, as Hugging Face's added-token split does.
        _specialTokens = new[] { options.UnknownToken, options.ClassificationToken, options.SeparatorToken }
            .Concat(options.OtherSpecialTokens)
            .Where(t => t.Length > 0 && ids.ContainsKey(t))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(t => t.Length)
            .Select(t => (t, ids[t]))
            .ToArray();
        _specialTokenStarts = _specialTokens.Length > 0 ? SearchValues.Create(_specialTokens.Select(t => t.Token[0]).Distinct().ToArray()) : null;

        for (int c = 0; c < 128; c++)
        {
            _asciiClass[c] = BertCharacters.IsRemoved(c) ? Removed
                : BertCharacters.IsWhitespace(c) ? Space
                : BertCharacters.IsPunctuation(c) ? Punctuation
                : WordChar;
            _asciiMap[c] = _lowercase ? char.ToLowerInvariant((char)c) : (char)c;
        }
    }

    public WordPieceVocabulary Vocabulary { get; }

    public WordPieceEncoderOptions Options { get; }

    public int UnknownTokenId { get; }

    public int ClassificationTokenId { get; }

    public int SeparatorTokenId { get; }

    public static WordPieceEncoder Load(string vocabularyPath, WordPieceEncoderOptions? options = null) =>
        new(WordPieceVocabulary.Load(vocabularyPath), options);

    /// <summary>The ids of <paramref name="text"/>: [CLS], its wordpieces truncated per the options, [SEP].</summary>
    public int[] Encode(string text)
    {
        var session = RentSession();
        session.Output.Clear();
        EncodeInto(text, session);
        return session.Output.AsSpan().ToArray();
    }

    /// <summary>
    /// Encodes every text on up to <paramref name="maxDegreeOfParallelism"/> threads (-1: all cores). The result
    /// is in input order and identical for any thread count. <paramref name="progress"/> gets the number of texts done.
    /// </summary>
    public EncodedTexts EncodeAll(IReadOnlyList<string> texts, int maxDegreeOfParallelism = -1, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        const int ChunkSize = 128;
        int chunkCount = (texts.Count + ChunkSize - 1) / ChunkSize;
        var chunkIds = new int[chunkCount][];
        var lengths = new int[texts.Count];
        int done = 0;
        var parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0, chunkCount, parallelOptions, () => new Session(), (chunk, _, session) =>
        {
            int first = chunk * ChunkSize, end = Math.Min(texts.Count, first + ChunkSize);
            session.Output.Clear();
            for (int i = first; i < end; i++)
            {
                int before = session.Output.Count;
                EncodeInto(texts[i], session);
                lengths[i] = session.Output.Count - before;
            }

            chunkIds[chunk] = session.Output.AsSpan().ToArray();
            int total = Interlocked.Add(ref done, end - first);
            progress?.Report(total);
            return session;
        }, _ => { });

        var offsets = new long[texts.Count + 1];
        for (int i = 0; i < texts.Count; i++)
        {
            offsets[i + 1] = offsets[i] + lengths[i];
        }

        var ids = new int[offsets[^1]];
        long position = 0;
        foreach (var chunk in chunkIds)
        {
            chunk.CopyTo(ids, position);
            position += chunk.Length;
        }

        return new EncodedTexts(ids, offsets);
    }

    /// <summary>The wordpieces of <paramref name="text"/> without special tokens and without truncation.</summary>
    internal int[] EncodeWordPieces(string text)
    {
        var session = RentSession();
        session.Begin(int.MaxValue);
        Tokenize(text, session);
        return session.Pieces.AsSpan().ToArray();
    }

    private static Session RentSession() => t_session ??= new Session();

    private void EncodeInto(string text, Session session)
    {
        int budget = Options.MaxLength is { } max ? max - 2 : int.MaxValue;
        // Only head truncation can stop early; the other modes need the end of the text.
        session.Begin(Options.Truncation == TruncationMode.Head ? budget : int.MaxValue);
        Tokenize(text, session);
        ReadOnlySpan<int> pieces = session.Pieces.AsSpan();
        var (head, tail) = SelectPieces(pieces.Length, Options);
        var output = session.Output;
        output.Add(ClassificationTokenId);
        output.AddRange(pieces[head]);
        output.AddRange(pieces[tail]);
        output.Add(SeparatorTokenId);
    }

    /// <summary>Which of <paramref name="count"/> wordpieces survive truncation: a range from the start and one from the end.</summary>
    internal static (Range Head, Range Tail) SelectPieces(int count, WordPieceEncoderOptions options)
    {
        int budget = options.MaxLength is { } max ? max - 2 : int.MaxValue;
        if (count <= budget)
        {
            return (0..count, count..count);
        }

        return options.Truncation switch
        {
            TruncationMode.Head => (0..budget, count..count),
            TruncationMode.Tail => (0..0, (count - budget)..count),
            _ => (0..options.HeadTokens, (count - (budget - options.HeadTokens))..count),
        };
    }

    private void Tokenize(string text, Session session)
    {
        ReadOnlySpan<char> span = text;
        if (_specialTokenStarts is not null)
        {
            int segmentStart = 0, position = 0;
            while (position < span.Length)
            {
                int next = span[position..].IndexOfAny(_specialTokenStarts);
                if (next < 0)
                {
                    break;
                }

                position += next;
                int match = MatchSpecialToken(span[position..]);
                if (match < 0)
                {
                    position++;
                    continue;
                }

                if (!TokenizeSegment(span[segmentStart..position], session) || !session.FlushWord(this))
                {
                    return;
                }

                session.AddPiece(_specialTokens[match].Id);
                if (session.Full)
                {
                    return;
                }

                position += _specialTokens[match].Token.Length;
                segmentStart = position;
            }

            span = span[segmentStart..];
        }

        if (TokenizeSegment(span, session))
        {
            session.FlushWord(this);
        }
    }

    private int MatchSpecialToken(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < _specialTokens.Length; i++)
        {
            if (text.StartsWith(_specialTokens[i].Token, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // Normalizer and pre-tokenizer in one pass: words go to WordPiece as soon as they end. False once Full.
    private bool TokenizeSegment(ReadOnlySpan<char> text, Session session)
    {
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c < 128)
            {
                switch (_asciiClass[c])
                {
                    case WordChar:
                        int runLength = text[i..].IndexOfAnyExcept(AsciiWordChars);
                        int end = runLength < 0 ? text.Length : i + runLength;
                        session.AppendAscii(text[i..end], _lowercase);
                        i = end;
                        continue;
                    case Space:
                        if (!session.FlushWord(this))
                        {
                            return false;
                        }

                        i++;
                        continue;
                    case Punctuation:
                        int breakLength;
                        if (c == '<' && _stripHtml && (breakLength = MatchLineBreakTag(text[i..])) > 0)
                        {
                            i += breakLength;
                        }
                        else
                        {
                            session.FlushWord(this);
                            session.AppendWordChar(c);
                            i++;
                        }

                        if (!session.FlushWord(this))
                        {
                            return false;
                        }

                        continue;
                }
            }

            i = TokenizeNonAsciiRun(text, i, session);
            if (session.Full)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Length of an HTML line break (&lt;br&gt;, &lt;br/&gt;, &lt;br /&gt;, any case) at the start of <paramref name="text"/>, else 0.</summary>
    private static int MatchLineBreakTag(ReadOnlySpan<char> text)
    {
        if (text.Length < 4 || (text[1] | 0x20) != 'b' || (text[2] | 0x20) != 'r')
        {
            return 0;
        }

        int i = 3;
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        if (i < text.Length && text[i] == '/')
        {
            i++;
        }

        return i < text.Length && text[i] == '>' ? i + 1 : 0;
    }

    /// <summary>
    /// Handles a run of non-ASCII characters (and removed ASCII controls, which must not break a run of combining
    /// marks that NFD reorders) with the full normalizer; returns where the run ends.
    /// </summary>
    private int TokenizeNonAsciiRun(ReadOnlySpan<char> text, int i, Session session)
    {
        var codePoints = session.CodePoints;
        codePoints.Clear();
        while (i < text.Length)
        {
            char c = text[i];
            if (c < 128 && _asciiClass[c] != Removed)
            {
                break;
            }

            int codePoint;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, text[i + 1]);
                i += 2;
            }
            else
            {
                codePoint = char.IsSurrogate(c) ? 0xFFFD : c; // A lone surrogate reaches Rust as U+FFFD, which is removed.
                i++;
            }

            if (BertCharacters.IsRemoved(codePoint))
            {
                continue;
            }

            if (BertCharacters.IsWhitespace(codePoint))
            {
                codePoints.Add(Session.Boundary);
                continue;
            }

            bool chinese = _tokenizeChinese && BertCharacters.IsChinese(codePoint);
            if (chinese)
            {
                codePoints.Add(Session.Boundary);
            }

            if (_stripAccents)
            {
                AppendCanonicalDecomposition(codePoint, codePoints);
            }
            else
            {
                codePoints.Add(codePoint);
            }

            if (chinese)
            {
                codePoints.Add(Session.Boundary);
            }
        }

        var lowered = session.Lowered;
        foreach (int codePoint in codePoints)
        {
            if (codePoint == Session.Boundary)
            {
                session.FlushWord(this);
            }
            else if (!(_stripAccents && BertCharacters.IsNonspacingMark(codePoint)))
            {
                if (_lowercase)
                {
                    lowered.Clear();
                    BertCharacters.AppendLowercase(codePoint, lowered);
                    foreach (int l in lowered)
                    {
                        AppendNormalized(l, session);
                    }
                }
                else
                {
                    AppendNormalized(codePoint, session);
                }
            }
        }

        return i;
    }

    private void AppendNormalized(int codePoint, Session session)
    {
        if (BertCharacters.IsPunctuation(codePoint))
        {
            session.FlushWord(this);
            session.AppendCodePoint(codePoint);
            session.FlushWord(this);
        }
        else
        {
            session.AppendCodePoint(codePoint);
        }
    }

    /// <summary>NFD of one code point appended to a buffer that is already in NFD: decompose, then canonical ordering.</summary>
    private static void AppendCanonicalDecomposition(int codePoint, List<int> codePoints)
    {
        int start = codePoints.Count;
        BertCharacters.Decompose(codePoint, codePoints);
        for (int k = start; k < codePoints.Count; k++)
        {
            int mark = codePoints[k];
            int combiningClass = BertCharacters.CombiningClass(mark);
            if (combiningClass == 0)
            {
                continue;
            }

            int j = k;
            while (j > 0 && codePoints[j - 1] != Session.Boundary && BertCharacters.CombiningClass(codePoints[j - 1]) > combiningClass)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }

            codePoints[j] = mark;
        }
    }

    /// <summary>WordPiece on one pre-tokenized word: greedy longest match from the left, "##" after the first piece.</summary>
    private void WordPiece(ReadOnlySpan<char> word, int codePointCount, Session session)
    {
        if (codePointCount > _maxInputCharsPerWord)
        {
            session.AddPiece(UnknownTokenId);
            return;
        }

        Span<uint> prefixHashes = session.PrefixHashes(word.Length);
        int mark = session.Pieces.Count;
        int start = 0;
        while (start < word.Length)
        {
            var table = start == 0 ? _words : _continuations;
            int maxEnd = Math.Min(word.Length, start + table.MaxKeyLength);
            uint hash = TokenLookup.InitialHash;
            for (int k = start; k < maxEnd; k++)
            {
                hash = TokenLookup.Step(hash, word[k]);
                prefixHashes[k] = hash;
            }

            int id = -1, end = maxEnd;
            for (; end > start; end--)
            {
                if (end < word.Length && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1]))
                {
                    continue; // Candidates end on code point boundaries.
                }

                id = table.Find(word[start..end], prefixHashes[end - 1]);
                if (id >= 0)
                {
                    break;
                }
            }

            if (id < 0)
            {
                session.Pieces.Count = mark;
                session.AddPiece(UnknownTokenId);
                return;
            }

            session.AddPiece(id);
            start = end;
        }
    }

    /// <summary>Per-thread buffers, reused from text to text.</summary>
    private sealed class Session
    {
        public const int Boundary = -1;

        private char[] _word = new char[64];
        private int _wordLength;
        private int _wordCodePoints;
        private uint[] _prefixHashes = new uint[64];
        private int _limit;

        public IntBuffer Pieces { get; } = new();

        public IntBuffer Output { get; } = new();

        public List<int> CodePoints { get; } = new();

        public List<int> Lowered { get; } = new();

        /// <summary>Enough wordpieces for head truncation: the rest of the text can be skipped.</summary>
        public bool Full => Pieces.Count >= _limit;

        public void Begin(int limit)
        {
            _limit = limit;
            _wordLength = 0;
            _wordCodePoints = 0;
            Pieces.Clear();
        }

        public void AddPiece(int id) => Pieces.Add(id);

        public void AppendWordChar(char c)
        {
            if (_wordLength == _word.Length)
            {
                Array.Resize(ref _word, _word.Length * 2);
            }

            _word[_wordLength++] = c;
            _wordCodePoints++;
        }

        public void AppendCodePoint(int codePoint)
        {
            if (codePoint < 0x10000)
            {
                AppendWordChar((char)codePoint);
                return;
            }

            if (_wordLength + 2 > _word.Length)
            {
                Array.Resize(ref _word, _word.Length * 2);
            }

            codePoint -= 0x10000;
            _word[_wordLength++] = (char)(0xD800 + (codePoint >> 10));
            _word[_wordLength++] = (char)(0xDC00 + (codePoint & 0x3FF));
            _wordCodePoints++;
        }

        /// <summary>Runs WordPiece on the word built so far; false once <see cref="Full"/>.</summary>
        public bool FlushWord(WordPieceEncoder encoder)
        {
            if (_wordLength > 0)
            {
                encoder.WordPiece(_word.AsSpan(0, _wordLength), _wordCodePoints, this);
                _wordLength = 0;
                _wordCodePoints = 0;
            }

            return Pieces.Count < _limit;
        }

        public void AppendAscii(ReadOnlySpan<char> run, bool lowercase)
        {
            if (_wordLength + run.Length > _word.Length)
            {
                Array.Resize(ref _word, Math.Max(_wordLength + run.Length, _word.Length * 2));
            }

            if (lowercase)
            {
                System.Text.Ascii.ToLower(run, _word.AsSpan(_wordLength), out _);
            }
            else
            {
                run.CopyTo(_word.AsSpan(_wordLength));
            }

            _wordLength += run.Length;
            _wordCodePoints += run.Length;
        }

        public Span<uint> PrefixHashes(int length)
        {
            if (_prefixHashes.Length < length)
            {
                _prefixHashes = new uint[Math.Max(length, _prefixHashes.Length * 2)];
            }

            return _prefixHashes;
        }
    }

    private sealed class IntBuffer
    {
        private int[] _items = new int[1024];

        public int Count { get; set; }

        public void Clear() => Count = 0;

        public void Add(int value)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[Count++] = value;
        }

        public void AddRange(ReadOnlySpan<int> values)
        {
            if (Count + values.Length > _items.Length)
            {
                Array.Resize(ref _items, Math.Max(Count + values.Length, _items.Length * 2));
            }

            values.CopyTo(_items.AsSpan(Count));
            Count += values.Length;
        }

        public ReadOnlySpan<int> AsSpan() => _items.AsSpan(0, Count);
    }
}
