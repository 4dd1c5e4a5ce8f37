using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImdbExperiments.Caching;

/// <summary>Who holds a lock: written into the lock file by its holder after taking it, read by whoever waits for it.</summary>
public sealed record LockHolder
{
    // A holder line is a few hundred bytes; anything longer is not ours.
    internal const int MaxBytes = 4096;

    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("host")] public string Host { get; init; } = "";
    [JsonPropertyName("command")] public string Command { get; init; } = "";
    [JsonPropertyName("since_utc")] public DateTimeOffset SinceUtc { get; init; }

    public static LockHolder Current() => new()
    {
        Pid = Environment.ProcessId,
        Host = Environment.MachineName,
        Command = Truncate(CommandOf(Environment.GetCommandLineArgs()), 200),
        SinceUtc = DateTimeOffset.UtcNow,
    };

    /// <summary>"imdbx.dll train --experiment smoke": the program, its subcommand and experiment; never other options, which may carry secrets.</summary>
    internal static string CommandOf(IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0) return "";
        var words = new List<string> { Path.GetFileName(arguments[0]) };
        var i = 1;
        for (; i < arguments.Count && !arguments[i].StartsWith('-'); i++) words.Add(arguments[i]);
        for (; i < arguments.Count - 1; i++)
            if (arguments[i] is "--experiment" or "-e") words.AddRange(["--experiment", arguments[i + 1]]);
        return string.Join(' ', words);
    }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>The holder named by a lock file's bytes, or null when they are empty or not a holder record.</summary>
    public static LockHolder? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > MaxBytes) return null;
        try
        {
            return JsonSerializer.Deserialize<LockHolder>(bytes) is { Pid: > 0 } holder ? holder : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>"pid 123 on host (imdbx train ...)": what a waiting user reads.</summary>
    public string Describe() =>
        $"pid {Pid} on {Sanitize(Host)}" + (Command.Length == 0 ? "" : $" ({Sanitize(Command)})") + $", since {SinceUtc:yyyy-MM-dd HH:mm:ss}Z";

    static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";

    // A hostile lock file must not put control characters on the user's terminal.
    static string Sanitize(string text) => Truncate(new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray()), 200);
}
