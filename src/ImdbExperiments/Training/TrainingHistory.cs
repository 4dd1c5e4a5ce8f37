using System.Text;
using System.Text.Json.Nodes;

namespace ImdbExperiments.Training;

/// <summary>history.jsonl: one JSON object a line, appended as training goes; cut back to a checkpoint's length on resume.</summary>
internal sealed class TrainingHistory : IDisposable
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

    public void Append(JsonObject line)
    {
        _stream.Write(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"));
        _stream.Flush();
    }

    /// <summary>Forces the lines to disk, so a checkpoint never records more history than survives a power cut.</summary>
    public void Sync() => _stream.Flush(flushToDisk: true);

    public void Dispose() => _stream.Dispose();
}
