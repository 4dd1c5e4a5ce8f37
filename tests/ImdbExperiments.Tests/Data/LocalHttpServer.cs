using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Data;

/// <summary>One request as the server saw it; <see cref="Attempt"/> counts requests for the same path, from 1.</summary>
internal sealed record LocalHttpRequest(string Path, string? Range, int Attempt);

/// <summary>What the server sends back, including ways to misbehave.</summary>
internal sealed record LocalHttpResponse(int Status, byte[] Body)
{
    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>Close the connection after this many body bytes, at least one (Content-Length still announces all of them).</summary>
    public int? DropAfter { get; init; }

    /// <summary>Send this many body bytes, then send nothing more while keeping the connection open.</summary>
    public int? StallAfter { get; init; }

    public static LocalHttpResponse WithStatus(int status) => new(status, Encoding.ASCII.GetBytes($"status {status}"));

    /// <summary>Serves <paramref name="content"/>, answering "Range: bytes=N-" with 206 (or 416 past the end).</summary>
    public static LocalHttpResponse Serve(byte[] content, LocalHttpRequest request, bool honourRange = true)
    {
        if (honourRange && request.Range is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            long start = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                return new LocalHttpResponse(416, [])
                {
                    Headers = { ["Content-Range"] = $"bytes */{content.Length}" },
                };
            }

            return new LocalHttpResponse(206, content[(int)start..])
            {
                Headers = { ["Content-Range"] = $"bytes {start}-{content.Length - 1}/{content.Length}" },
            };
        }

        return new LocalHttpResponse(200, content);
    }
}

/// <summary>A download server on 127.0.0.1 and a free port, one request per connection, that can misbehave as <see cref="LocalHttpResponse"/> says.</summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly Func<LocalHttpRequest, LocalHttpResponse> _handler;
    private readonly ConcurrentQueue<LocalHttpRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly LoopbackHttpServer _server;

    public LocalHttpServer(Func<LocalHttpRequest, LocalHttpResponse> handler)
    {
        _handler = handler;
        _server = new LoopbackHttpServer(ServeAsync);
    }

    public IReadOnlyList<LocalHttpRequest> Requests => _requests.ToArray();

    public Uri Url(string path) => _server.Url(path);

    /// <summary>A URL on 127.0.0.1 where nothing listens: connecting to it is refused, like a machine without network.</summary>
    public static Uri RefusedUrl(string path) => new($"http://127.0.0.1:{LoopbackHttpServer.FreePort()}{path}");

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task ServeAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var path = context.Request.RawUrl!;
        var request = new LocalHttpRequest(path, context.Request.Headers["Range"], _attempts.AddOrUpdate(path, 1, (_, n) => n + 1));
        _requests.Enqueue(request);
        var response = _handler(request);

        var http = context.Response;
        http.KeepAlive = false;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        if (response.DropAfter is { } drop && drop < response.Body.Length)
        {
            http.StatusCode = response.Status;
            await LoopbackHttpServer.CutOffAsync(http, response.Body.Length, response.Body.AsMemory(0, drop), stopping);
        }
        else if (response.StallAfter is { } stall)
        {
            http.StatusCode = response.Status;
            http.ContentLength64 = response.Body.Length;
            await http.OutputStream.WriteAsync(response.Body.AsMemory(0, Math.Min(stall, response.Body.Length)), stopping);
            await http.OutputStream.FlushAsync(stopping);
            await Task.Delay(Timeout.Infinite, stopping);
        }
        else
        {
            await LoopbackHttpServer.RespondAsync(http, response.Status, response.Body, cancellationToken: stopping);
        }
    }
}
