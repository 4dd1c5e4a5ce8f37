using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowRestClientInvalidJsonTests
{
    // MLflow's own client refuses a successful answer whose body is not a JSON object (mlflow/utils/rest_utils.py,
    // verify_rest_response: "API request to endpoint was successful but the response body was not in a valid JSON format").
    [Theory]
    [InlineData("<html><body>Proxy login for token s3cr3t-token</body></html>")]
    [InlineData("[\"not\", \"an object\"]")]
    public async Task GarbageFromTheServer_NamesServerCallAndFirstBytes_WithoutCredentials(string body)
    {
        using var server = new LoopbackHttpServer((context, token) => LoopbackHttpServer.RespondAsync(context.Response, 200, body, "text/html", token));
        using var client = new MlflowRestClient($"http://user:pa55word@127.0.0.1:{server.Port}/mlflow", MlflowCredentials.Bearer("s3cr3t-token"),
            new MlflowRestClientOptions { MaxRetries = 0 });

        var error = await Assert.ThrowsAsync<TrackingException>(() => client.CreateRunAsync("0", "run", 1_700_000_000_000, "alice", []));

        Assert.Contains($"MLflow server http://127.0.0.1:{server.Port}/mlflow answered POST /api/2.0/mlflow/runs/create with invalid JSON", error.Message);
        Assert.Contains(body[..8], error.Message);
        Assert.DoesNotContain("s3cr3t-token", error.Message);
        Assert.DoesNotContain("pa55word", error.Message);
        Assert.False(error.IsTransient);
    }
}
