using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>
/// history.jsonl: one <see cref="HistoryEntry"/> a line, appended as training goes; cut back to a checkpoint's length on
/// resume. Its one writer is the trainer (<see cref="Append"/>), its one reader <see cref="Read"/>.
/// </summary>
public sealed class TrainingHistory : IDisposable
{
    public const string FileName = "history.jsonl";

    private readonly FileStream _stream;

    private TrainingHistory(FileStream stream) => _stream = stream;

    public string Path => _stream.Name;

    /// <summary>Bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>Opens (or creates) the file and cuts it to <paramref name="keepBytes"/>, the length a checkpoint recorded.</summary>
    public static TrainingHistory Open(string path, long keepBytes)
    {
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (stream.Length < keepBytes)
                throw new InvalidDataException($"{path}: {stream.Length} bytes, but the checkpoint being resumed wrote {keepBytes}; " +
                    "the history was cut short outside the trainer. Delete the run folder's checkpoints/ to start over.");
            stream.SetLength(keepBytes);
            stream.Seek(0, SeekOrigin.End);
            return new TrainingHistory(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    internal void Append(HistoryEntry entry)
    {
        _stream.Write(Encoding.UTF8.GetBytes(entry.ToJson().ToJsonString() + "\n"));
        _stream.Flush();
    }

    /// <summary>
    /// The entries of a history file in order. A line without a timestamp (written before lines had one) takes the
    /// file's last-write time, so every replay of that file gives its points the same time.
    /// </summary>
    public static IReadOnlyList<HistoryEntry> Read(string path)
    {
        var fallback = new DateTimeOffset(File.GetLastWriteTimeUtc(path)).ToUnixTimeMilliseconds();
        var entries = new List<HistoryEntry>();
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (text.Length == 0) continue;
            JsonObject line;
            try
            {
                line = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException exception)
            {
                throw new InvalidDataException($"{path}:{number}: not a history line ({exception.Message}); delete the run's train stage output to rebuild it.", exception);
            }
            if (HistoryEntry.FromJson(line) is not { } entry) continue;
            entries.Add(entry.TimestampMs == 0 ? entry with { TimestampMs = fallback } : entry);
        }
        return entries;
    }

    /// <summary>Forces the lines to disk, so a checkpoint never records more history than survives a power cut.</summary>
    public void Sync() => _stream.Flush(flushToDisk: true);

    public void Dispose() => _stream.Dispose();
}
