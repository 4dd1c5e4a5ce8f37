using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImdbExperiments.Specs;
using ImdbExperiments.Training;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// <c>imdbx serve</c> under wrk on loopback, beside the same model's throughput in plain batched inference and in
/// <c>imdbx predict</c>: per precision, requests/s, reviews/s and p50/p99 latency at each connection count, p99 of one short
/// review at one connection, and the server's peak RSS. The server and predict run as child processes, as a user runs them.
/// </summary>
public sealed partial class ServeBenchmark(ServeBenchmarkOptions options)
{
    /// <summary>The review of the one-connection latency target ("p99 under 150 ms for a single short review").</summary>
    public const string ShortReview = "A wonderful film, beautifully acted: I loved every minute of it.";

    const int SigTerm = 15;

    /// <summary>A program's full path on PATH (or the path itself when it names a file); null when it is not there.</summary>
    public static string? FindOnPath(string program)
    {
        if (program.Contains('/'))
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public async Task<ServeBenchmarkReport> RunAsync(Action<string> log, CancellationToken cancellationToken)
    {
        options.Validate();
        var wrk = FindOnPath(options.Wrk) ?? throw new FileNotFoundException($"wrk ({options.Wrk}) is not on PATH", options.Wrk);
        var inference = options.Inference;
        var threads = TrainingDevices.ApplyThreads(inference.Threads);
        log($"bench     reading {(inference.Reviews is { } n ? $"{n:N0}" : "all")} test reviews of {inference.Archive}");
        var reviews = BenchmarkReviews.Test(inference.Archive, inference.Reviews, cancellationToken);
        var scratch = Directory.CreateTempSubdirectory("imdbx-serve-bench-");
        try
        {
            // predict reads one text a line: a review's own line breaks (rare; IMDb uses <br />) become spaces.
            var textsPath = Path.Combine(scratch.FullName, "reviews.txt");
            await File.WriteAllLinesAsync(textsPath, reviews.Select(r => r.Text.ReplaceLineEndings(" ")), cancellationToken);
            var script = await WriteScriptAsync(scratch.FullName, "reviews", reviews.Select(r => r.Text).Chunk(options.ReviewsPerRequest), cancellationToken);
            var shortScript = await WriteScriptAsync(scratch.FullName, "short", [[ShortReview]], cancellationToken);

            var rows = new List<ServeBenchmarkRow>();
            foreach (var precision in inference.Precisions)
            {
                var name = BenchmarkSuite.Name(precision);
                var plain = InferenceBenchmark.Measure(inference, precision, reviews, log, cancellationToken);

                log($"bench     {name}: imdbx predict --file ({reviews.Count:N0} reviews, a new process: start and model load included)");
                var clock = Stopwatch.StartNew();
                var (exit, _, predictErrors) = await RunProcessAsync(options.Imdbx.Concat([
                    "predict", "--model", inference.ModelFolder, "--file", textsPath, "--precision", name,
                    "--max-length", Text(inference.MaxLength), "--batch-size", Text(inference.Batch)]).ToArray(), cancellationToken);
                var predictSeconds = clock.Elapsed.TotalSeconds;
                if (exit != 0)
                    throw new InvalidOperationException($"imdbx predict exited with {exit}: {predictErrors.Trim()}");

                var (loads, shortLoad, peak) = await MeasureServerAsync(name, wrk, script, shortScript, log, cancellationToken);
                rows.Add(new ServeBenchmarkRow(name, plain.ReviewsPerSecond, reviews.Count / predictSeconds, loads, shortLoad, peak));
            }
            return new ServeBenchmarkReport(options, threads, reviews.Count, rows);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    async Task<(IReadOnlyList<(int Connections, WrkResult Result)> Loads, WrkResult Short, long? PeakRssBytes)> MeasureServerAsync(
        string precision, string wrk, string script, string shortScript, Action<string> log, CancellationToken cancellationToken)
    {
        var inference = options.Inference;
        var arguments = options.Imdbx.Concat([
            "serve", "--model", inference.ModelFolder, "--port", "0", "--precision", precision,
            "--max-batch", Text(inference.Batch), "--max-length", Text(inference.MaxLength)]).ToArray();
        using var server = Start(arguments);
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        server.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ServeBanner().Match(line) is { Success: true } m)
                address.TrySetResult(m.Groups[1].Value);
        };
        server.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var exited = server.WaitForExitAsync(cancellationToken);
            if (await Task.WhenAny(address.Task, exited, Task.Delay(TimeSpan.FromMinutes(5), cancellationToken)) != address.Task)
                throw new InvalidOperationException($"imdbx serve did not start: {Errors(errors)}");
            var url = address.Task.Result.TrimEnd('/') + "/invocations";
            log($"bench     {precision}: imdbx serve at {url}");

            using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            var loads = new List<(int, WrkResult)>();
            foreach (var connections in options.Connections)
            {
                await DrainAsync(client, url, cancellationToken);
                var result = await RunWrkAsync(wrk, connections, options.Seconds, script, url, cancellationToken);
                log($"bench     {precision}: {connections} connections: {result.RequestsPerSecond:0.0} requests/s, p50 {result.P50Ms:0} ms, p99 {result.P99Ms:0} ms, " +
                    $"{result.Non2xx} non-2xx, {result.SocketErrors} socket errors");
                loads.Add((connections, result));
            }
            await DrainAsync(client, url, cancellationToken);
            var shortLoad = await RunWrkAsync(wrk, 1, Math.Min(options.Seconds, 10), shortScript, url, cancellationToken);
            log($"bench     {precision}: one short review, 1 connection: p50 {shortLoad.P50Ms:0.0} ms, p99 {shortLoad.P99Ms:0.0} ms");
            var peak = File.Exists($"/proc/{server.Id}/status") ? ResidentMemory.ParsePeakBytes(await File.ReadAllTextAsync($"/proc/{server.Id}/status", cancellationToken)) : null;
            return (loads, shortLoad, peak);
        }
        finally
        {
            // SIGTERM, as a supervisor stops it: the server finishes what is in flight and exits 0.
            if (!server.HasExited && kill(server.Id, SigTerm) == 0 && !server.WaitForExit(TimeSpan.FromSeconds(60)))
                server.Kill(entireProcessTree: true);
            else if (!server.HasExited)
                server.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// One request answered: it queues behind whatever the last load left in the server (wrk stops its clock, not the server),
    /// so the next load starts on an idle server.
    /// </summary>
    static async Task DrainAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var body = new StringContent(new JsonObject { ["inputs"] = new JsonArray(ShortReview) }.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync(url, body, cancellationToken);
        if (!answer.IsSuccessStatusCode)
            throw new InvalidOperationException($"imdbx serve answered {(int)answer.StatusCode} to one short review: {await answer.Content.ReadAsStringAsync(cancellationToken)}");
    }

    static async Task<WrkResult> RunWrkAsync(string wrk, int connections, int seconds, string script, string url, CancellationToken cancellationToken)
    {
        // Long client timeout: at 64 connections a request waits behind others; a timeout would count it as an error.
        var (exit, output, errors) = await RunProcessAsync([wrk, "-t", Text(Math.Min(connections, Environment.ProcessorCount)), "-c", Text(connections),
            "-d", $"{seconds}s", "--timeout", "120s", "--latency", "-s", script, url], cancellationToken);
        if (exit != 0)
            throw new InvalidOperationException($"wrk exited with {exit}: {errors.Trim()}");
        return WrkResult.Parse(output);
    }

    /// <summary>A wrk Lua script that posts MLflow's {"inputs": [...]} bodies, one per line of a file beside it, in turn.</summary>
    static async Task<string> WriteScriptAsync(string folder, string name, IEnumerable<string[]> requests, CancellationToken cancellationToken)
    {
        var bodies = Path.Combine(folder, name + ".jsonl");
        await File.WriteAllLinesAsync(bodies, requests.Select(texts => new JsonObject { ["inputs"] = new JsonArray(texts.Select(t => (JsonNode)t!).ToArray()) }
            .ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })), cancellationToken);
        if (bodies.Contains("]==]", StringComparison.Ordinal))
            throw new InvalidOperationException($"The scratch folder {folder} cannot be quoted in a Lua long string.");
        var script = Path.Combine(folder, name + ".lua");
        await File.WriteAllTextAsync(script, $$"""
            -- imdbx serve bench: MLflow scoring bodies posted in turn (each wrk thread starts at the first).
            local bodies = {}
            for line in io.lines([==[{{bodies}}]==]) do bodies[#bodies + 1] = line end
            local next_body = 0
            request = function()
              next_body = next_body % #bodies + 1
              return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[next_body])
            end
            """, cancellationToken);
        return script;
    }

    static Process Start(IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.Skip(1))
            info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException($"{arguments[0]} did not start.");
    }

    static async Task<(int Exit, string Output, string Errors)> RunProcessAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Start(arguments);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }

    static string Errors(System.Text.StringBuilder errors)
    {
        lock (errors)
            return errors.ToString().Trim() is { Length: > 0 } text ? text : "(nothing on standard error)";
    }

    static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@" at (https?://\S+) \(POST /invocations")]
    private static partial Regex ServeBanner();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}

/// <summary>One precision: plain batched and predict reviews/s, wrk at each connection count, one short review, the server's peak RSS.</summary>
public sealed record ServeBenchmarkRow(string Precision, double PlainReviewsPerSecond, double PredictReviewsPerSecond,
    IReadOnlyList<(int Connections, WrkResult Result)> Loads, WrkResult Short, long? PeakRssBytes);

public sealed record ServeBenchmarkReport(ServeBenchmarkOptions Options, int Threads, int Reviews, IReadOnlyList<ServeBenchmarkRow> Rows)
{
    public JsonObject ToJson(JsonObject machine) => new()
    {
        ["started_by"] = "imdbx bench-serve",
        ["machine"] = machine,
        ["model"] = Options.Inference.ModelFolder,
        ["reviews"] = Reviews,
        ["reviews_per_request"] = Options.ReviewsPerRequest,
        ["max_length"] = Options.Inference.MaxLength,
        ["max_batch"] = Options.Inference.Batch,
        ["seconds_per_load"] = Options.Seconds,
        ["threads"] = Threads,
        ["results"] = new JsonArray(Rows.Select(r => (JsonNode)new JsonObject
        {
            ["precision"] = r.Precision,
            ["plain_batched_reviews_per_second"] = r.PlainReviewsPerSecond,
            ["predict_reviews_per_second"] = r.PredictReviewsPerSecond,
            ["server_peak_rss_bytes"] = r.PeakRssBytes,
            ["short_review_p50_ms"] = r.Short.P50Ms,
            ["short_review_p99_ms"] = r.Short.P99Ms,
            ["loads"] = new JsonArray(r.Loads.Select(l => (JsonNode)new JsonObject
            {
                ["connections"] = l.Connections,
                ["requests_per_second"] = l.Result.RequestsPerSecond,
                ["reviews_per_second"] = l.Result.RequestsPerSecond * Options.ReviewsPerRequest,
                ["of_plain_batched"] = l.Result.RequestsPerSecond * Options.ReviewsPerRequest / r.PlainReviewsPerSecond,
                ["p50_ms"] = l.Result.P50Ms,
                ["p99_ms"] = l.Result.P99Ms,
                ["requests"] = l.Result.Requests,
                ["non_2xx"] = l.Result.Non2xx,
                ["socket_errors"] = l.Result.SocketErrors,
            }).ToArray()),
        }).ToArray()),
    };
}
