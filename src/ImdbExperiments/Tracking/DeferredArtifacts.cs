using System.Globalization;

namespace ImdbExperiments.Tracking;

/// <summary>
/// <c>tracking.deferred</c> beside the journal <c>tracking.jsonl</c> (<c>tracking-&lt;target&gt;.deferred</c> beside a later
/// target's journal): the seqs of artifact events the backend could not store (an artifact root the
/// client cannot reach), one a line. The journal moves past them so the run's other events still go out; these stay
/// pending, are counted as pending by Sync and the run summary, and are tried again by every Sync.
/// </summary>
public static class DeferredArtifacts
{
    // One list per journal, since each journal is one tracking target's.
    private static string PathOf(string runFolder, string journalFile) => Path.Combine(runFolder, Path.ChangeExtension(journalFile, ".deferred"));

    /// <summary>The <see cref="TrackingException.ErrorCode"/> of an artifact whose run's artifact store this client cannot write.</summary>
    public const string UnreachableErrorCode = "ARTIFACTS_UNREACHABLE";

    /// <summary>The deferred seqs, in order; none when the file is missing.</summary>
    public static IReadOnlyList<long> Read(string runFolder, string journalFile = RunJournal.JournalFileName)
    {
        var path = PathOf(runFolder, journalFile);
        if (!File.Exists(path))
            return [];
        var seqs = new SortedSet<long>();
        foreach (var line in File.ReadLines(path))
        {
            if (long.TryParse(line.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                seqs.Add(seq);
        }
        return seqs.ToList();
    }

    public static int Count(string runFolder, string journalFile = RunJournal.JournalFileName) => Read(runFolder, journalFile).Count;

    internal static void Add(string runFolder, string journalFile, long seq) => Write(runFolder, journalFile, Read(runFolder, journalFile).Append(seq));

    internal static void Remove(string runFolder, string journalFile, long seq) => Write(runFolder, journalFile, Read(runFolder, journalFile).Where(s => s != seq));

    // Replaced atomically: a crash leaves the old list or the new one, never half of one.
    private static void Write(string runFolder, string journalFile, IEnumerable<long> seqs)
    {
        var path = PathOf(runFolder, journalFile);
        var distinct = seqs.Distinct().Order().ToList();
        if (distinct.Count == 0)
        {
            File.Delete(path);
            return;
        }
        var temporary = Path.Combine(runFolder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        File.WriteAllLines(temporary, distinct.Select(seq => seq.ToString(CultureInfo.InvariantCulture)));
        File.Move(temporary, path, overwrite: true);
    }
}
