using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImdbExperiments.Tests.Support;

/// <summary>
/// An HTTP server on 127.0.0.1 and a free port for tests: each request goes to the handler, which writes the response.
/// It can go down (connections are refused) and come back on the same port.
/// </summary>
internal sealed class LoopbackHttpServer : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly Func<HttpListenerContext, CancellationToken, Task> _handler;
    private readonly bool _oneAtATime;
    private readonly CancellationTokenSource _disposing = new();
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private readonly Lock _gate = new();
    private HttpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private bool _disposed;

    /// <param name="handler">Writes the response; the token is cancelled when the server is disposed.</param>
    /// <param name="oneAtATime">Answer requests one after another, in arrival order, instead of concurrently.</param>
    public LoopbackHttpServer(Func<HttpListenerContext, CancellationToken, Task> handler, bool oneAtATime = false)
    {
        _handler = handler;
        _oneAtATime = oneAtATime;
        for (var attempt = 0; ; attempt++)
        {
            Port = FreePort();
            try
            {
                Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // The port was taken between probing and binding; try another.
            }
        }
    }

    public int Port { get; private set; }

    /// <summary>http://127.0.0.1:{port}, without a trailing slash.</summary>
    public string BaseUri => $"http://127.0.0.1:{Port}";

    public Uri Url(string pathAndQuery) => new(BaseUri + pathAndQuery);

    /// <summary>A port on 127.0.0.1 where nothing listened a moment ago: connecting to it is refused.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Listens (again) on <see cref="Port"/>; does nothing while up.</summary>
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_listener is not null)
                return;
            var listener = new HttpListener();
            listener.Prefixes.Add(BaseUri + "/");
            listener.Start();
            _listener = listener;
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener));
        }
    }

    /// <summary>Stops listening: new connections are refused and open ones are cut until <see cref="Start"/>.</summary>
    public async Task StopAsync()
    {
        HttpListener? listener;
        Task acceptLoop;
        lock (_gate)
        {
            (listener, _listener, acceptLoop) = (_listener, null, _acceptLoop);
        }
        if (listener is null)
            return;
        listener.Close();
        await acceptLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        await _disposing.CancelAsync().ConfigureAwait(false);
        await StopAsync().ConfigureAwait(false);
        // Handlers see the cancelled token; one stuck elsewhere must not hang the test run.
        await Task.WhenAny(Task.WhenAll(_inFlight.Keys), Task.Delay(StopWait)).ConfigureAwait(false);
        _disposing.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Sends a whole response and closes it.</summary>
    public static async Task RespondAsync(HttpListenerResponse response, int status, ReadOnlyMemory<byte> body, string? contentType = null, CancellationToken cancellationToken = default)
    {
        response.StatusCode = status;
        if (contentType is not null)
            response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        response.Close();
    }

    public static Task RespondAsync(HttpListenerResponse response, int status, string text, string contentType, CancellationToken cancellationToken = default) =>
        RespondAsync(response, status, Encoding.UTF8.GetBytes(text), contentType, cancellationToken);

    /// <summary>
    /// Announces <paramref name="announcedLength"/> body bytes, sends <paramref name="sent"/> and cuts the connection: a transfer
    /// that breaks half-way. The status and other headers are the caller's to set before.
    /// </summary>
    public static async Task CutOffAsync(HttpListenerResponse response, long announcedLength, ReadOnlyMemory<byte> sent, CancellationToken cancellationToken = default)
    {
        // HttpListener's Abort before any body byte would still send a complete, empty answer.
        if (sent.Length == 0 || sent.Length >= announcedLength)
            throw new ArgumentException($"A cut-off answer sends at least one byte and fewer than the {announcedLength} it announces; got {sent.Length}.", nameof(sent));
        response.ContentLength64 = announcedLength;
        await response.OutputStream.WriteAsync(sent, cancellationToken).ConfigureAwait(false);
        await response.OutputStream.FlushAsync(cancellationToken).ConfigureAwait(false);
        response.Abort();
    }

    private async Task AcceptLoopAsync(HttpListener listener)
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // the listener was closed
            }
            var handling = Task.Run(() => HandleAsync(context));
            _inFlight[handling] = true;
            _ = handling.ContinueWith(done => _inFlight.TryRemove(done, out _), TaskScheduler.Default);
            if (_oneAtATime)
                await handling.ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var stopping = _disposing.Token;
        try
        {
            await _handler(context, stopping).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpListenerException or IOException or ObjectDisposedException
                                              || (exception is OperationCanceledException && stopping.IsCancellationRequested))
        {
            // The client went away or the server is going down: nothing more to send.
            Abort(context.Response);
        }
        catch (Exception exception)
        {
            try
            {
                await RespondAsync(context.Response, 500, "test server handler failed: " + exception, "text/plain").ConfigureAwait(false);
            }
            catch (Exception)
            {
                Abort(context.Response); // the handler had started the answer already
            }
        }
    }

    private static void Abort(HttpListenerResponse response)
    {
        try
        {
            response.Abort();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
