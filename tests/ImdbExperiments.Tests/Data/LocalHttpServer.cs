using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImdbExperiments.Tests.Data;

/// <summary>One request as the server saw it; <see cref="Attempt"/> counts requests for the same path, from 1.</summary>
internal sealed record LocalHttpRequest(string Path, string? Range, int Attempt);

/// <summary>What the server sends back, including ways to misbehave.</summary>
internal sealed record LocalHttpResponse(int Status, byte[] Body)
{
    public Dictionary<string, string> Headers { get; init; } = [];

    /// <summary>Close the connection after this many body bytes (Content-Length still announces all of them).</summary>
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

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 and a free port, one request per connection, for download tests.</summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<LocalHttpRequest, LocalHttpResponse> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<LocalHttpRequest> _requests = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;

    public LocalHttpServer(Func<LocalHttpRequest, LocalHttpResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public IReadOnlyList<LocalHttpRequest> Requests => _requests.ToArray();

    public Uri Url(string path) => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}{path}");

    /// <summary>A URL on 127.0.0.1 where nothing listens: connecting to it is refused, like a machine without network.</summary>
    public static Uri RefusedUrl(string path)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new Uri($"http://127.0.0.1:{port}{path}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            string head = await ReadHeadAsync(stream);
            string[] lines = head.Split("\r\n");
            string path = lines[0].Split(' ')[1];
            string? range = lines.Skip(1)
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2 && p[0].Trim().Equals("Range", StringComparison.OrdinalIgnoreCase))
                .Select(p => p[1].Trim())
                .FirstOrDefault();
            var request = new LocalHttpRequest(path, range, _attempts.AddOrUpdate(path, 1, (_, n) => n + 1));
            _requests.Enqueue(request);
            var response = _handler(request);

            var header = new StringBuilder($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
            header.Append($"Content-Length: {response.Body.Length}\r\nConnection: close\r\n");
            foreach (var (name, value) in response.Headers)
            {
                header.Append($"{name}: {value}\r\n");
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(header.Append("\r\n").ToString()), _stop.Token);
            int send = Math.Min(response.Body.Length, response.DropAfter ?? response.StallAfter ?? int.MaxValue);
            await stream.WriteAsync(response.Body.AsMemory(0, send), _stop.Token);
            await stream.FlushAsync(_stop.Token);
            if (response.StallAfter is not null)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the test ended: nothing to serve.
        }
    }

    private async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                throw new IOException("client closed before the end of the request head");
            }

            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString(head.ToArray(), 0, head.Count - 4);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        206 => "Partial Content",
        404 => "Not Found",
        408 => "Request Timeout",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
