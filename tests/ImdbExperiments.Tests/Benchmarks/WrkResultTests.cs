using ImdbExperiments.Benchmarks;

namespace ImdbExperiments.Tests.Benchmarks;

public sealed class WrkResultTests
{
    // wrk 4.1's output with --latency, as src/wrk.c prints it: the latency distribution of print_stats_latency (units from
    // src/units.c: us, ms, s, m, h), "N requests in", the socket errors and non-2xx lines only when non-zero, then Requests/sec.
    private const string Output = """
        Running 20s test @ http://127.0.0.1:40123/invocations
          2 threads and 8 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   412.31ms   80.12ms   1.20s    71.00%
            Req/Sec    10.12      4.01    20.00     66.00%
          Latency Distribution
             50%  398.00ms
             75%  450.10ms
             90%  520.00ms
             99%    1.05s
          388 requests in 20.02s, 61.80KB read
          Socket errors: connect 0, read 1, write 0, timeout 2
          Non-2xx or 3xx responses: 7
        Requests/sec:     19.38
        Transfer/sec:      3.09KB
        """;

    [Fact]
    public void Parse_ReadsThroughputPercentilesInMillisecondsAndFailures()
    {
        var result = WrkResult.Parse(Output);

        Assert.Equal(19.38, result.RequestsPerSecond);
        Assert.Equal(388, result.Requests);
        Assert.Equal(398.0, result.P50Ms, 9);
        Assert.Equal(1050.0, result.P99Ms, 9);
        Assert.Equal(3, result.SocketErrors);
        Assert.Equal(7, result.Non2xx);
    }

    [Fact]
    public void Parse_MicrosecondLatenciesAndNoFailureLines_MeanNoFailures()
    {
        var result = WrkResult.Parse(Output.Replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "")
            .Replace("  Non-2xx or 3xx responses: 7\n", "").Replace("398.00ms", "750.00us"));

        Assert.Equal(0.75, result.P50Ms, 9);
        Assert.Equal(0, result.SocketErrors);
        Assert.Equal(0, result.Non2xx);
    }

    [Fact]
    public void Parse_WithoutLatencyDistribution_SaysToRunWithLatency()
    {
        var withoutDistribution = string.Join("\n", Output.Split('\n').Where(line => !line.TrimStart().StartsWith('5') && !line.TrimStart().StartsWith('9')));

        var error = Assert.Throws<FormatException>(() => WrkResult.Parse(withoutDistribution));
        Assert.Contains("--latency", error.Message);
    }

    [Fact]
    public void FindOnPath_IsNullForAProgramThatIsNotInstalled()
    {
        Assert.Null(ServeBenchmark.FindOnPath("imdbx-no-such-program-4f1c"));
        Assert.Null(ServeBenchmark.FindOnPath("/nonexistent/folder/wrk"));
    }
}
