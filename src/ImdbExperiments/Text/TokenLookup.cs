using System.Runtime.CompilerServices;

namespace ImdbExperiments.Text;

/// <summary>
/// Open-addressing map from a span of chars to a token id, with a hash that can be extended one char at a time,
/// so that WordPiece's longest-match search hashes each prefix of a word once instead of once per candidate.
/// </summary>
internal sealed class TokenLookup
{
    private const uint Seed = 2166136261;

    // One 16-byte entry per slot, so a probe touches one cache line (plus the key on a hash hit).
    private readonly Entry[] _entries;
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
        _entries = new Entry[capacity];
        _entries.AsSpan().Fill(new Entry { Id = -1 });
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
            while (_entries[slot].Id >= 0)
            {
                slot = (slot + 1) & _mask;
            }

            _entries[slot] = new Entry { Hash = (int)Finish(hash), Id = id, KeyStart = keyOffset, KeyLength = key.Length };
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
            ref readonly Entry entry = ref _entries[slot];
            if (entry.Id < 0)
            {
                return -1;
            }

            if (entry.Hash == finished && entry.KeyLength == key.Length && key.SequenceEqual(_keys.AsSpan(entry.KeyStart, key.Length)))
            {
                return entry.Id;
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

    private struct Entry
    {
        public int Hash;
        public int Id;
        public int KeyStart;
        public int KeyLength;
    }
}
