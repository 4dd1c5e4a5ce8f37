using System.Runtime.CompilerServices;

namespace ImdbExperiments.Text;

/// <summary>
/// Open-addressing map from a span of chars to a token id, with a hash that can be extended one char at a time,
/// so that WordPiece's longest-match search hashes each prefix of a word once instead of once per candidate.
/// </summary>
internal sealed class TokenLookup
{
    private const uint Seed = 2166136261;

    private readonly int[] _hashes;
    private readonly int[] _ids;
    private readonly int[] _keyStarts;
    private readonly int[] _keyLengths;
    private readonly char[] _keys;
    private readonly int _mask;

    public TokenLookup(IEnumerable<KeyValuePair<string, int>> entries)
    {
        var list = entries.ToList();
        int capacity = 16;
        while (capacity < list.Count * 2)
        {
            capacity *= 2;
        }

        _mask = capacity - 1;
        _hashes = new int[capacity];
        _ids = new int[capacity];
        _keyStarts = new int[capacity];
        _keyLengths = new int[capacity];
        Array.Fill(_ids, -1);
        _keys = new char[list.Sum(e => e.Key.Length)];
        int keyOffset = 0;
        foreach (var (key, id) in list)
        {
            uint hash = Seed;
            foreach (char c in key)
            {
                hash = Step(hash, c);
            }

            int slot = (int)Finish(hash) & _mask;
            while (_ids[slot] >= 0)
            {
                slot = (slot + 1) & _mask;
            }

            _hashes[slot] = (int)Finish(hash);
            _ids[slot] = id;
            _keyStarts[slot] = keyOffset;
            _keyLengths[slot] = key.Length;
            key.CopyTo(_keys.AsSpan(keyOffset));
            keyOffset += key.Length;
            MaxKeyLength = Math.Max(MaxKeyLength, key.Length);
        }
    }

    /// <summary>Length in chars of the longest key: no match can be longer.</summary>
    public int MaxKeyLength { get; }

    public static uint InitialHash => Seed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Step(uint hash, char c) => (hash ^ c) * 16777619;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(uint hash) => hash ^ (hash >> 15);

    /// <summary>The id of <paramref name="key"/>, whose running hash (<see cref="Step"/> over its chars) is <paramref name="hash"/>; -1 if absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<char> key, uint hash)
    {
        int finished = (int)Finish(hash);
        int slot = finished & _mask;
        while (true)
        {
            int id = _ids[slot];
            if (id < 0)
            {
                return -1;
            }

            if (_hashes[slot] == finished && _keyLengths[slot] == key.Length && key.SequenceEqual(_keys.AsSpan(_keyStarts[slot], key.Length)))
            {
                return id;
            }

            slot = (slot + 1) & _mask;
        }
    }

    public int Find(ReadOnlySpan<char> key)
    {
        uint hash = Seed;
        foreach (char c in key)
        {
            hash = Step(hash, c);
        }

        return Find(key, hash);
    }
}
