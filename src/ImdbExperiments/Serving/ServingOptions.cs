using System.Net;

namespace ImdbExperiments.Serving;

/// <summary>Where <see cref="ScoringServer"/> listens and the bounds it keeps; the defaults are those of <c>imdbx serve</c>.</summary>
public sealed record ServingOptions
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>5000 as <c>mlflow models serve</c>; 0 = any free port (see <see cref="ScoringServer.Address"/>).</summary>
    public int Port { get; init; } = 5000;

    /// <summary>Most texts scored in one padded forward pass.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>How long the first request of a batch waits for others to join it.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Requests waiting to be scored; one more is answered 503 with Retry-After instead of queued.</summary>
    public int MaxQueue { get; init; } = 256;

    public long MaxBodyBytes { get; init; } = 4L * 1024 * 1024;

    /// <summary>Longest text accepted, in UTF-16 characters; within it, tokenization truncates as training did.</summary>
    public int MaxTextChars { get; init; } = 100_000;

    /// <summary>From arrival to answer; a request past it is answered 504 (as MLflow's timeout middleware does).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The address to bind: an IP address, or localhost for the loopback one (no name lookup: what listens is what was said).</summary>
    public IPAddress ListenAddress()
    {
        if (Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(Host, out var address)) return address;
        throw new ArgumentException($"--host {Host}: allowed an IP address (127.0.0.1, 0.0.0.0, ::1, ...) or localhost.");
    }

    /// <summary>Throws on a value no server could run with, naming the option.</summary>
    public void Validate()
    {
        _ = ListenAddress();
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port {Port}: allowed 0..65535 (0 = any free port).");
        if (MaxBatch is < 1 or > 4096) throw new ArgumentException($"--max-batch {MaxBatch}: allowed 1..4096.");
        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(10)) throw new ArgumentException($"--max-wait-ms {MaxWait.TotalMilliseconds}: allowed 0..10000.");
        if (MaxQueue is < 1 or > 1_000_000) throw new ArgumentException($"--max-queue {MaxQueue}: allowed 1..1000000.");
        if (MaxBodyBytes is < 1 or > 1L << 30) throw new ArgumentException($"--max-body-bytes {MaxBodyBytes}: allowed 1..1073741824.");
        if (MaxTextChars < 1) throw new ArgumentException($"--max-text-chars {MaxTextChars}: allowed >= 1.");
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromDays(1)) throw new ArgumentException($"--timeout-seconds {Timeout.TotalSeconds}: allowed 1..86400.");
    }
}
