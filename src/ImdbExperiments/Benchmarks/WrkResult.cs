using System.Globalization;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// What wrk 4 prints with --latency (wrk's src/wrk.c print_stats_latency and the summary lines): requests/s, the latency
/// percentiles, and the failures (socket errors, non-2xx answers).
/// </summary>
public sealed partial record WrkResult(double RequestsPerSecond, long Requests, double P50Ms, double P99Ms, long SocketErrors, long Non2xx)
{
    /// <summary>Parses wrk's standard output; throws <see cref="FormatException"/> quoting what is missing.</summary>
    public static WrkResult Parse(string output)
    {
        double Required(Regex pattern, string what) =>
            pattern.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new FormatException($"wrk printed no {what}: {Tail(output)}");
        double Latency(string percentile) =>
            LatencyLine(percentile).Match(output) is { Success: true } m ? Milliseconds(m.Groups[1].Value, m.Groups[2].Value)
                : throw new FormatException($"wrk printed no {percentile}% latency (run it with --latency): {Tail(output)}");

        var errors = SocketErrorsLine().Match(output);
        var socketErrors = errors.Success ? errors.Groups.Cast<Group>().Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        var non2xx = Non2xxLine().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(Required(RequestsPerSecondLine(), "Requests/sec"), (long)Required(RequestsLine(), "request count"),
            Latency("50"), Latency("99"), socketErrors, non2xx);
    }

    static double Milliseconds(string value, string unit) => double.Parse(value, CultureInfo.InvariantCulture) * unit switch
    {
        "us" => 1e-3,
        "ms" => 1,
        "s" => 1e3,
        "m" => 60e3,
        "h" => 3600e3,
        _ => throw new FormatException($"wrk latency unit '{unit}' is not one of us, ms, s, m, h"),
    };

    static Regex LatencyLine(string percentile) => new($@"^\s*{percentile}%\s+([0-9.]+)(us|ms|s|m|h)\s*$", RegexOptions.Multiline);

    static string Tail(string output) => output.Length <= 300 ? output.Trim() : "..." + output[^300..].Trim();

    [GeneratedRegex(@"^Requests/sec:\s+([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s*([0-9]+) requests in ", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: ([0-9]+)")]
    private static partial Regex Non2xxLine();
}
