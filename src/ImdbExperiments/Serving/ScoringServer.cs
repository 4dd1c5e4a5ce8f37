using System.Globalization;
using System.Reflection;
using System.Text.Json;
using ImdbExperiments.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImdbExperiments.Serving;

/// <summary>
/// An MLflow-compatible scoring server (the protocol of <c>mlflow models serve</c>, mlflow/pyfunc/scoring_server/__init__.py)
/// on Kestrel: <c>POST /invocations</c>, <c>GET /ping</c>, <c>GET /health</c>, <c>GET /version</c>. Texts are scored in
/// dynamic batches (<see cref="ScoringBatcher"/>); every error is MLflow's error JSON, never a stack trace.
/// </summary>
public sealed class ScoringServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ScoringBatcher _batcher;
    private readonly ITextScorer _scorer;
    private readonly ServingOptions _options;
    private readonly TextWriter _log;
    private int _stopped;

    private ScoringServer(WebApplication app, ScoringBatcher batcher, ITextScorer scorer, ServingOptions options, TextWriter log)
    {
        _app = app;
        _batcher = batcher;
        _scorer = scorer;
        _options = options;
        _log = log;
    }

    /// <summary>The URL it listens on, with the port chosen when <see cref="ServingOptions.Port"/> was 0.</summary>
    public Uri Address { get; private set; } = null!;

    public ScoringBatcher Batcher => _batcher;

    /// <summary>imdbx's version: what <c>GET /version</c> answers where MLflow answers its own.</summary>
    public static string Version { get; } =
        typeof(ScoringServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Listens once this returns; <paramref name="log"/> gets one line per request that failed on the server's side.</summary>
    public static async Task<ScoringServer> StartAsync(ITextScorer scorer, ServingOptions options, TextWriter? log = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var address = options.ListenAddress();
        // The empty builder reads no appsettings and no ASPNETCORE_* variables: only these options decide what listens.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            // Bounds memory: each connection may hold one body of at most MaxBodyBytes.
            kestrel.Limits.MaxConcurrentConnections = Math.Max(64, 4L * options.MaxQueue + options.MaxBatch);
            kestrel.Listen(address, options.Port);
        });
        builder.Services.AddSingleton<IHostLifetime, ServerLifetime>();
        // In-flight requests get their whole timeout to finish when the server stops.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Timeout + TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var batcher = new ScoringBatcher(scorer, options);
        var server = new ScoringServer(app, batcher, scorer, options, log ?? TextWriter.Null);
        app.Run(server.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            batcher.Dispose();
            await app.DisposeAsync();
            throw;
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new InvalidOperationException("Kestrel reported no address.");
        server.Address = new Uri(bound);
        return server;
    }

    /// <summary>Serves until <paramref name="stop"/> is cancelled, then stops gracefully (<see cref="StopAsync"/>).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        await StopAsync();
    }

    /// <summary>Stops accepting connections, lets every request in flight finish (queued ones are still scored), then ends the scoring thread.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
            return;
        await _app.StopAsync(CancellationToken.None);
        _batcher.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        try
        {
            switch (request.Path.Value)
            {
                case "/ping" or "/health" when HttpMethods.IsGet(request.Method):
                    // As MLflow: healthy once the model is loaded, which it is before the server listens.
                    await Write(context, 200, "\n");
                    return;
                case "/version" when HttpMethods.IsGet(request.Method):
                    await Write(context, 200, Version);
                    return;
                case "/invocations" when HttpMethods.IsPost(request.Method):
                    await InvokeAsync(context);
                    return;
                case "/ping" or "/health" or "/version" or "/invocations":
                    throw new ScoringException(405, "BAD_REQUEST", $"{request.Method} is not allowed on {request.Path.Value}.");
                default:
                    throw new ScoringException(404, "ENDPOINT_NOT_FOUND", "Unknown endpoint; the server answers POST /invocations, GET /ping, /health and /version.");
            }
        }
        catch (ScoringException e)
        {
            await WriteError(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
    }

    private async Task InvokeAsync(HttpContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            var body = await ReadBodyAsync(context.Request, deadline.Token);
            var texts = ScoringRequest.Parse(context.Request.ContentType, body, _options.MaxTextChars);
            var predictions = await _batcher.ScoreAsync(texts, deadline.Token);
            await WritePredictions(context, predictions);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            throw new ScoringException(504, "DEADLINE_EXCEEDED",
                string.Create(CultureInfo.InvariantCulture, $"Request processing time exceeded limit ({_options.Timeout.TotalSeconds:0.###} s, --timeout-seconds)."));
        }
        catch (Exception e) when (e is not (ScoringException or OperationCanceledException))
        {
            // MLflow's answer for a model that throws: BAD_REQUEST with this message (its stack trace stays in the server's log).
            _log.WriteLine($"imdbx serve: scoring failed: {e.GetType().Name}: {e.Message}");
            throw ScoringException.BadRequest("Encountered an unexpected error while evaluating the model. " +
                "Verify that the serialized input Dataframe is compatible with the model for inference.");
        }
    }

    /// <summary>The body, read up to MaxBodyBytes: a declared or actual length beyond it is 413 before more is read.</summary>
    private async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = _options.MaxBodyBytes;
        var tooLarge = new ScoringException(413, "BAD_REQUEST",
            string.Create(CultureInfo.InvariantCulture, $"The request body is larger than {limit} bytes (--max-body-bytes)."));
        if (request.ContentLength > limit)
            throw tooLarge;
        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                    throw tooLarge;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw tooLarge;
        }
        catch (BadHttpRequestException e)
        {
            throw new ScoringException(e.StatusCode, "BAD_REQUEST", $"Invalid request: {e.Message}");
        }
        return buffer.ToArray();
    }

    private async Task WritePredictions(HttpContext context, IReadOnlyList<SentimentPrediction> predictions)
    {
        var labels = _scorer.Labels;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("predictions");
            foreach (var p in predictions)
            {
                json.WriteStartObject();
                json.WriteString("label", p.Label);
                json.WriteNumber("score", p.Score);
                json.WriteStartObject("probabilities");
                for (var k = 0; k < p.Probabilities.Count && k < labels.Count; k++)
                    json.WriteNumber(labels[k], p.Probabilities[k]);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = ScoringRequest.Json;
        context.Response.ContentLength = stream.Length;
        await context.Response.Body.WriteAsync(stream.GetBuffer().AsMemory(0, (int)stream.Length), context.RequestAborted);
    }

    private static async Task WriteError(HttpContext context, ScoringException e)
    {
        if (context.Response.HasStarted)
            return;
        if (e.Status == 503)
            context.Response.Headers.RetryAfter = "1";
        if (e.Status == 413)
            context.Response.Headers.Connection = "close";
        var body = JsonSerializer.Serialize(new Dictionary<string, string> { ["error_code"] = e.ErrorCode, ["message"] = e.Message });
        await Write(context, e.Status, body);
    }

    private static async Task Write(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        // MLflow sends application/json for /ping and /version too.
        context.Response.ContentType = ScoringRequest.Json;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}
