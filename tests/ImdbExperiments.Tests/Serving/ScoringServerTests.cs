using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImdbExperiments.Serving;

namespace ImdbExperiments.Tests.Serving;

// The protocol is that of `mlflow models serve`, mlflow/pyfunc/scoring_server/__init__.py: /ping and /health answer 200
// with "\n" once the model is loaded, /version a version string, POST /invocations {"predictions": [...]} in input order;
// an MlflowException becomes {"error_code": ..., "message": ...} (serialize_as_json) with its code's HTTP status, and
// a request past the timeout 504 (its timeout_middleware). Where MLflow answers 415 as text/plain, this server sends the
// same message as error JSON, so every error a client sees has one shape.
public sealed class ScoringServerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private readonly FakeScorer _scorer = new();
    private readonly HttpClient _http = new() { Timeout = Patience };

    public void Dispose()
    {
        _scorer.Dispose();
        _http.Dispose();
    }

    private static ServingOptions Options(int maxQueue = 256, long maxBodyBytes = 4 * 1024 * 1024, int maxBatch = 32, TimeSpan? timeout = null) => new()
    {
        Port = 0,
        MaxQueue = maxQueue,
        MaxBodyBytes = maxBodyBytes,
        MaxBatch = maxBatch,
        Timeout = timeout ?? TimeSpan.FromMinutes(2),
    };

    private Task<HttpResponseMessage> Post(ScoringServer server, string body, string contentType = "application/json") =>
        _http.PostAsync(new Uri(server.Address, "invocations"), new StringContent(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)));

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task AssertMlflowError(HttpResponseMessage response, HttpStatusCode status, string errorCode, string message)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(text).RootElement;
        Assert.Equal(["error_code", "message"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(errorCode, json.GetProperty("error_code").GetString());
        Assert.Contains(message, json.GetProperty("message").GetString());
        Assert.DoesNotContain("   at ", text);
    }

    private static void AssertPredictions(JsonElement json, IReadOnlyList<string> texts)
    {
        var predictions = json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(texts.Count, predictions.Length);
        for (var i = 0; i < texts.Count; i++)
        {
            var expected = FakeScorer.Expected(texts[i]);
            Assert.Equal(expected.Label, predictions[i].GetProperty("label").GetString());
            Assert.Equal(expected.Score, predictions[i].GetProperty("score").GetDouble());
            var probabilities = predictions[i].GetProperty("probabilities");
            Assert.Equal(expected.Probabilities[0], probabilities.GetProperty("NEGATIVE").GetDouble());
            Assert.Equal(expected.Probabilities[1], probabilities.GetProperty("POSITIVE").GetDouble());
        }
    }

    [Theory]
    [InlineData("""{"inputs": ["a", "a long review", "ok"]}""", "application/json")]
    [InlineData("""{"instances": [{"text": "a"}, {"text": "a long review"}, {"text": "ok"}]}""", "application/json; charset=utf-8")]
    [InlineData("""{"dataframe_split": {"columns": ["text"], "data": [["a"], ["a long review"], ["ok"]]}}""", "application/json")]
    [InlineData("""{"dataframe_records": [{"text": "a"}, {"text": "a long review"}, {"text": "ok"}]}""", "application/json")]
    [InlineData("text\na\n\"a long review\"\nok\n", "text/csv")]
    public async Task Invocations_AnswersPredictionsInInputOrder(string body, string contentType)
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options());

        using var response = await Post(server, body, contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertPredictions(await Json(response), ["a", "a long review", "ok"]);
    }

    [Fact]
    public async Task PingHealthAndVersion_AnswerAsMlflowDoes()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options());

        foreach (var path in new[] { "ping", "health" })
        {
            using var response = await _http.GetAsync(new Uri(server.Address, path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("\n", await response.Content.ReadAsStringAsync());
        }
        using var version = await _http.GetAsync(new Uri(server.Address, "version"));
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Equal(ScoringServer.Version, await version.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{oops", "valid JSON")]
    [InlineData("""["a"]""", "Received a list")]
    [InlineData("""{"inputs": ["fine", ""]}""", "Text 1 is empty")]
    public async Task Invocations_AnswersAMalformedBodyWithMlflowsBadRequest(string body, string message)
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options());

        using var response = await Post(server, body);

        await AssertMlflowError(response, HttpStatusCode.BadRequest, "BAD_REQUEST", message);
        Assert.Empty(_scorer.BatchSizes);
    }

    [Fact]
    public async Task Invocations_WhenTheModelThrows_AnswersMlflowsErrorWithoutItsDetails()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options());
        _scorer.Failure = new InvalidOperationException("libtorch: secret internal detail");

        using var failed = await Post(server, """{"inputs": ["a"]}""");

        // MLflow's invocations(): an exception from predict is BAD_REQUEST "Encountered an unexpected error while evaluating the model".
        await AssertMlflowError(failed, HttpStatusCode.BadRequest, "BAD_REQUEST", "unexpected error while evaluating the model");
        Assert.DoesNotContain("secret internal detail", await failed.Content.ReadAsStringAsync());
        _scorer.Failure = null;
        using var recovered = await Post(server, """{"inputs": ["a"]}""");
        AssertPredictions(await Json(recovered), ["a"]);
    }

    [Fact]
    public async Task Invocations_AnswersAnotherContentTypeWith415()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options());

        using var response = await Post(server, "a review", "text/plain");

        await AssertMlflowError(response, HttpStatusCode.UnsupportedMediaType, "BAD_REQUEST", "only supports the following content types");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Invocations_AnswersABodyOverTheLimitWith413(bool declaredLength)
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options(maxBodyBytes: 1024));
        var body = Encoding.UTF8.GetBytes($$"""{"inputs": ["{{new string('x', 4000)}}"]}""");
        // Without a Content-Length the body is chunked, and the limit is found while reading it.
        HttpContent content = declaredLength ? new ByteArrayContent(body) : new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _http.PostAsync(new Uri(server.Address, "invocations"), content);

        await AssertMlflowError(response, HttpStatusCode.RequestEntityTooLarge, "BAD_REQUEST", "larger than 1024 bytes");
        Assert.Empty(_scorer.BatchSizes);
    }

    [Fact]
    public async Task Invocations_WhenTheQueueIsFull_Answers503WithRetryAfter()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options(maxQueue: 1));
        _scorer.Hold.Reset();
        var scoring = Post(server, """{"inputs": ["first"]}""");
        await _scorer.Entered.WaitAsync(Patience);
        var queued = Post(server, """{"inputs": ["second"]}""");
        await WaitUntil(() => server.Batcher.QueuedRequests == 1);

        using var refused = await Post(server, """{"inputs": ["third"]}""");

        await AssertMlflowError(refused, HttpStatusCode.ServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "queue is full");
        Assert.NotNull(refused.Headers.RetryAfter);
        _scorer.Hold.Set();
        using var first = await scoring;
        using var second = await queued;
        AssertPredictions(await Json(first), ["first"]);
        AssertPredictions(await Json(second), ["second"]);
    }

    [Fact]
    public async Task Invocations_PastTheTimeout_Answers504()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options(timeout: TimeSpan.FromSeconds(1)));
        _scorer.Hold.Reset();

        using var response = await Post(server, """{"inputs": ["never scored in time"]}""");

        await AssertMlflowError(response, HttpStatusCode.GatewayTimeout, "DEADLINE_EXCEEDED", "exceeded limit");
        _scorer.Hold.Set();
    }

    [Fact]
    public async Task Batcher_ScoresRequestsThatWaitTogetherAsOneBatch()
    {
        await using var server = await ScoringServer.StartAsync(_scorer, Options(maxBatch: 8));
        _scorer.Hold.Reset();
        var first = Post(server, """{"inputs": ["first"]}""");
        await _scorer.Entered.WaitAsync(Patience);
        var texts = Enumerable.Range(0, 12).Select(i => new string('w', i + 1)).ToArray();
        var waiting = texts.Select(t => Post(server, $$"""{"inputs": ["{{t}}"]}""")).ToArray();
        await WaitUntil(() => server.Batcher.QueuedRequests == texts.Length);

        _scorer.Hold.Set();
        var responses = await Task.WhenAll(waiting);

        // The 12 queued one-text requests go in batches of at most 8, each answered with its own text's prediction.
        Assert.Equal([1, 8, 4], _scorer.BatchSizes);
        for (var i = 0; i < texts.Length; i++)
            AssertPredictions(await Json(responses[i]), [texts[i]]);
        (await first).Dispose();
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task Stop_FinishesRequestsInFlightThenRefusesConnections()
    {
        var server = await ScoringServer.StartAsync(_scorer, Options());
        _scorer.Hold.Reset();
        var scoring = Post(server, """{"inputs": ["in flight"]}""");
        await _scorer.Entered.WaitAsync(Patience);
        var queued = Post(server, """{"inputs": ["queued too"]}""");
        await WaitUntil(() => server.Batcher.QueuedRequests == 1);

        var stopping = server.StopAsync();
        Assert.False(stopping.IsCompleted);
        _scorer.Hold.Set();
        await stopping;

        using var first = await scoring;
        using var second = await queued;
        AssertPredictions(await Json(first), ["in flight"]);
        AssertPredictions(await Json(second), ["queued too"]);
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri(server.Address, "ping")));
        await server.DisposeAsync();
    }

    /// <summary>Waits for a state the server reaches by itself (no timing is asserted; the bound only keeps a broken test from hanging).</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var patience = new CancellationTokenSource(Patience);
        while (!condition())
            await Task.Delay(10, patience.Token);
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
