using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using static ImdbExperiments.Tracking.MlflowJson;

namespace ImdbExperiments.Tracking;

/// <summary>
/// The HTTP half of <see cref="MlflowRestClient"/>: one tracking server's base URI, its credentials (sent to that
/// server only), and requests retried with exponential backoff on 429, 5xx, connection failures and timeouts, never on
/// other 4xx, honouring Retry-After. A non-2xx answer, or a 2xx whose body is not a JSON object, becomes one
/// <see cref="TrackingException"/> line naming the server, method and endpoint, never the credentials.
/// </summary>
internal sealed class MlflowHttpTransport : IDisposable
{
    private const string ArtifactsEndpoint = "mlflow-artifacts/artifacts";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly MlflowCredentials? _credentials;
    private readonly ResiliencePipeline<RestResponse> _pipeline;
    private readonly ResiliencePipeline<RestResponse> _artifactPipeline;

    public MlflowHttpTransport(string trackingUri, MlflowCredentials? credentials, MlflowRestClientOptions options, HttpMessageHandler? handler)
    {
        if (!Uri.TryCreate(trackingUri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            throw new ArgumentException($"Tracking URI '{TrackingUri.Redact(trackingUri)}' is not an http:// or https:// address of an MLflow server.", nameof(trackingUri));
        var builder = new UriBuilder(parsed) { UserName = "", Password = "", Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
            builder.Path += "/";
        BaseUri = builder.Uri;
        _credentials = credentials;
        _http = new HttpClient(handler ?? CreateHandler(options.InsecureTls ?? false), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline(options, options.AttemptTimeout);
        _artifactPipeline = BuildPipeline(options, options.ArtifactAttemptTimeout);
    }

    /// <summary>The server's address without user info, query or fragment, ending in '/'.</summary>
    public Uri BaseUri { get; }

    public string DisplayUri => BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    /// <summary>One API call (<c>api/2.0/mlflow/&lt;endpoint&gt;</c>), retried; its answer as a JSON object.</summary>
    public async Task<JsonElement> CallAsync(HttpMethod method, string endpoint, byte[]? body, string? query, CancellationToken cancellationToken)
    {
        var uri = ApiUri(endpoint, query);
        var response = await ExecuteAsync(_pipeline, endpoint, token =>
            SendOnceAsync(method, uri, body is null ? null : () => JsonContent(body), token), cancellationToken);
        ThrowIfFailed(method, endpoint, response);
        return Parse(method, endpoint, response.Body);
    }

    /// <summary>
    /// One API call, retried, whose body is rebuilt for every attempt (attempt 0 is the first) since a retry may follow
    /// a request the server did apply; a null body means nothing is left to send. The answer's body is not read.
    /// </summary>
    public async Task SendRebuildingAsync(HttpMethod method, string endpoint, Func<int, CancellationToken, Task<byte[]?>> bodyForAttempt, CancellationToken cancellationToken)
    {
        var uri = ApiUri(endpoint, null);
        var attempt = 0;
        var response = await ExecuteAsync(_pipeline, endpoint, async token =>
        {
            var body = await bodyForAttempt(attempt++, token);
            if (body is null)
                return new RestResponse(200, "{}", null, null);
            return await SendOnceAsync(method, uri, () => JsonContent(body), token);
        }, cancellationToken);
        ThrowIfFailed(method, endpoint, response);
    }

    /// <summary>
    /// One attempt, outside the retry pipeline, for use inside another call's attempt: a non-2xx answer is an
    /// <see cref="HttpRequestException"/>, so that the enclosing attempt is retried.
    /// </summary>
    public async Task<JsonElement> CallOnceAsync(HttpMethod method, string endpoint, string? query, CancellationToken cancellationToken)
    {
        var response = await SendOnceAsync(method, ApiUri(endpoint, query), null, cancellationToken);
        if (response.Status is < 200 or >= 300)
            throw new HttpRequestException($"{endpoint} answered HTTP {response.Status}", null, (HttpStatusCode)response.Status);
        return Parse(method, endpoint, response.Body);
    }

    /// <summary>PUT one file to <paramref name="uri"/> (the artifact proxy), retried under the artifact timeout.</summary>
    public async Task UploadFileAsync(Uri uri, string file, string relativePath, CancellationToken cancellationToken)
    {
        var response = await ExecuteAsync(_artifactPipeline, ArtifactsEndpoint, token =>
            SendOnceAsync(HttpMethod.Put, uri, () =>
            {
                var content = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return content;
            }, token), cancellationToken);
        ThrowIfFailed(HttpMethod.Put, ArtifactsEndpoint + "/" + relativePath, response);
    }

    public void Dispose() => _http.Dispose();

    private async Task<RestResponse> ExecuteAsync(ResiliencePipeline<RestResponse> pipeline, string endpoint, Func<CancellationToken, Task<RestResponse>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(async token => await send(token), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException)
        {
            throw new TrackingException($"MLflow server {DisplayUri} did not answer {endpoint}: {Describe(exception)}", isTransient: true, innerException: exception);
        }
    }

    private async Task<RestResponse> SendOnceAsync(HttpMethod method, Uri uri, Func<HttpContent>? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        if (content is not null)
            request.Content = content();
        // Credentials go only to the tracking server itself, never to another host an artifact URI names.
        if (_credentials is not null && Uri.Compare(uri, BaseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            request.Headers.Authorization = _credentials.Header;
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return new RestResponse((int)response.StatusCode, text, response.Headers.RetryAfter, response.Headers.Location);
    }

    private void ThrowIfFailed(HttpMethod method, string endpoint, RestResponse response)
    {
        if (response.Status is >= 200 and < 300)
            return;
        if (response.Status is >= 300 and < 400)
            throw new TrackingException($"MLflow {endpoint} on {DisplayUri} was redirected to '{response.Location}'; set the tracking URI to the final address.", "BAD_REQUEST", response.Status);
        string? errorCode = null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                errorCode = ReadString(document.RootElement, "error_code");
                message = ReadString(document.RootElement, "message");
            }
        }
        catch (JsonException)
        {
        }
        message ??= response.Body.Length > 300 ? response.Body[..300] + "..." : response.Body;
        var hint = response.Status switch
        {
            401 => " (set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD)",
            403 => " (the credentials are valid but lack permission for this experiment)",
            404 when errorCode is null or "ENDPOINT_NOT_FOUND" => $" (is {DisplayUri} the address of an MLflow tracking server?)",
            _ => "",
        };
        if (message.Contains("MLFLOW_ALLOW_FILE_STORE", StringComparison.Ordinal) || message.Contains("migrate-filestore", StringComparison.Ordinal))
            hint += " (newer MLflow servers refuse ./mlruns file stores: start the server with MLFLOW_ALLOW_FILE_STORE=true or run `mlflow migrate-filestore`)";
        throw new TrackingException(
            $"MLflow {method} {endpoint} on {DisplayUri} failed with HTTP {response.Status} {errorCode ?? "(no error_code)"}: {message}{hint}",
            errorCode, response.Status, IsTransient(response));
    }

    private static bool IsTransient(RestResponse response) =>
        response.Status is 408 or 429 || (response.Status >= 500 && response.Status != 501 && !response.Body.Contains(TrackingException.ParamChangeMessage, StringComparison.Ordinal));

    private static ResiliencePipeline<RestResponse> BuildPipeline(MlflowRestClientOptions options, TimeSpan attemptTimeout)
    {
        var builder = new ResiliencePipelineBuilder<RestResponse>();
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<RestResponse>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = TimeSpan.FromSeconds(60),
                ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome switch
                {
                    { Exception: OperationCanceledException } when arguments.Context.CancellationToken.IsCancellationRequested => false,
                    { Exception: HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException } => true,
                    { Result: { } result } => IsTransient(result),
                    _ => false,
                }),
                DelayGenerator = arguments => ValueTask.FromResult(RetryAfter(arguments.Outcome.Result)),
            });
        }
        builder.AddTimeout(attemptTimeout);
        return builder.Build();
    }

    // Honour the server's Retry-After on 429/503, within reason.
    private static TimeSpan? RetryAfter(RestResponse? response)
    {
        var header = response?.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return delay is { } d && d > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(d.Ticks, TimeSpan.FromSeconds(60).Ticks)) : null;
    }

    private static HttpMessageHandler CreateHandler(bool insecureTls)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (insecureTls)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return handler;
    }

    private Uri ApiUri(string endpoint, string? query) => new(BaseUri, "api/2.0/mlflow/" + endpoint + (query is null ? "" : "?" + query));

    private static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        return content;
    }

    /// <summary>
    /// A 2xx answer's body, which must be a JSON object, as MLflow's own client requires (mlflow/utils/rest_utils.py,
    /// verify_rest_response: "the response body was not in a valid JSON format"); else one line naming server, call and what came.
    /// </summary>
    private JsonElement Parse(HttpMethod method, string endpoint, string body)
    {
        if (string.IsNullOrWhiteSpace(body))
            return JsonDocument.Parse("{}").RootElement.Clone();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                return document.RootElement.Clone();
        }
        catch (JsonException)
        {
        }
        throw new TrackingException(
            $"MLflow server {DisplayUri} answered {method} /api/2.0/mlflow/{endpoint} with invalid JSON ({Preview(body)}); is it an MLflow tracking server, or a proxy's page?",
            "INTERNAL_ERROR");
    }

    /// <summary>The first bytes of an answer, on one line, with the credentials blanked should a server echo them.</summary>
    private string Preview(string body)
    {
        const int Length = 60;
        var text = body;
        foreach (var secret in _credentials?.Secrets ?? [])
            if (secret.Length > 0) text = text.Replace(secret, "***", StringComparison.Ordinal);
        text = text.Length > Length ? text[..Length] + "..." : text;
        return string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();
    }

    private static string Describe(Exception exception) => exception switch
    {
        TimeoutRejectedException => "the request timed out",
        HttpRequestException { InnerException: { } inner } http => $"{http.Message} ({inner.Message})",
        _ => exception.Message,
    };

    private sealed record RestResponse(int Status, string Body, RetryConditionHeaderValue? RetryAfter, Uri? Location);
}
