using System.Text;
using ImdbExperiments.Tracking;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowRestClientTests
{
    private static readonly MlflowRestClientOptions Fast = new()
    {
        MaxRetries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    private static async Task<(MlflowRestClient Client, RunInfo Run)> NewRunAsync(FakeMlflowServer server, MlflowCredentials? credentials = null, MlflowRestClientOptions? options = null)
    {
        var client = new MlflowRestClient(server.Uri, credentials, options ?? Fast);
        var experiment = await client.GetOrCreateExperimentAsync("imdb");
        var run = await client.CreateRunAsync(experiment, "run", 1_700_000_000_000, "alice", [new RunTag(TrackingTags.SourceType, "LOCAL")]);
        return (client, run);
    }

    private static List<Metric> Metrics(int count, string prefix = "m") =>
        Enumerable.Range(0, count).Select(i => new Metric($"{prefix}{i % 50}", i * 0.5, 1_700_000_000_000 + i, i)).ToList();

    [Fact]
    public async Task FakeServer_EnforcesMlflowsBatchLimits()
    {
        using var server = new FakeMlflowServer();
        var (_, run) = await NewRunAsync(server);
        var metrics = string.Join(",", Enumerable.Range(0, 1001).Select(i => $"{{\"key\":\"m\",\"value\":1,\"timestamp\":1,\"step\":{i}}}"));
        using var http = new HttpClient();

        var response = await http.PostAsync(server.Uri + "/api/2.0/mlflow/runs/log-batch",
            new StringContent($"{{\"run_id\":\"{run.RunId}\",\"metrics\":[{metrics}]}}", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("INVALID_PARAMETER_VALUE", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Rest_FiveThousandMetricsGoInChunksOfAtMostAThousand()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);

        var rejected = await client.LogBatchAsync(run.RunId, Metrics(5000), [], []);

        Assert.Empty(rejected);
        var batches = server.Requests.Where(r => r.Path.EndsWith("/runs/log-batch")).ToList();
        Assert.True(batches.Count >= 5);
        Assert.All(batches, batch => Assert.True(batch.Status == 200 && batch.Metrics <= 1000));
        Assert.Equal(5000, server.Runs.Single().Metrics.Count);
    }

    [Fact]
    public async Task Rest_BatchOverMlflowsRequestSizeLimitIsSplitBySize()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);
        var parameters = Enumerable.Range(0, 100).Select(i => new Param($"p{i}", new string('x', 6000))).ToList();
        var tags = Enumerable.Range(0, 100).Select(i => new RunTag($"t{i}", new string('é', 5000))).ToList();

        var rejected = await client.LogBatchAsync(run.RunId, [], parameters, tags);

        Assert.Empty(rejected);
        Assert.All(server.Requests.Where(r => r.Path.EndsWith("/runs/log-batch")), r => Assert.True(r.Status == 200 && r.BodyBytes <= 1_000_000));
        Assert.Equal(100, server.Runs.Single().Params.Count);
        Assert.Equal(new string('é', 5000), server.Runs.Single().Tags["t99"]);
    }

    [Fact]
    public async Task Rest_MlflowsErrorJsonIsInTheExceptionAndClientErrorsAreNotRetried()
    {
        using var server = new FakeMlflowServer();
        using var client = new MlflowRestClient(server.Uri, options: Fast);

        var error = await Assert.ThrowsAsync<TrackingException>(() => client.CreateRunAsync("999", "run", 1, "alice", []));

        Assert.Equal("RESOURCE_DOES_NOT_EXIST", error.ErrorCode);
        Assert.Equal(404, error.HttpStatus);
        Assert.False(error.IsTransient);
        Assert.Contains("Could not find experiment with ID 999", error.Message);
        Assert.Single(server.Requests, r => r.Path.EndsWith("/runs/create"));
    }

    [Fact]
    public async Task Rest_ServerErrorsAreRetriedWithBackoffThenReportedAsTransient()
    {
        using var server = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503 };
        using var client = new MlflowRestClient(server.Uri, options: Fast);

        var error = await Assert.ThrowsAsync<TrackingException>(() => client.GetOrCreateExperimentAsync("imdb"));

        Assert.True(error.IsTransient);
        Assert.Equal("TEMPORARILY_UNAVAILABLE", error.ErrorCode);
        Assert.Equal(1 + Fast.MaxRetries, server.Requests.Count);
    }

    [Fact]
    public async Task Rest_SearchIsRetriedOnServerErrorsLikeEveryCall()
    {
        using var server = new FakeMlflowServer { Mode = FakeMlflowServer.Availability.Unavailable503 };
        using var client = new MlflowRestClient(server.Uri, options: Fast);

        var error = await Assert.ThrowsAsync<TrackingException>(() => client.SearchAllRunsAsync(["0"]));

        Assert.True(error.IsTransient);
        Assert.Equal(1 + Fast.MaxRetries, server.Requests.Count(r => r.Path.EndsWith("/runs/search")));
    }

    [Fact]
    public async Task Rest_UnreachableServerIsATransientErrorNamingTheServer()
    {
        using var server = new FakeMlflowServer();
        var uri = server.Uri;
        server.Dispose();
        using var client = new MlflowRestClient(uri, options: Fast);

        var error = await Assert.ThrowsAsync<TrackingException>(() => client.GetOrCreateExperimentAsync("imdb"));

        Assert.True(error.IsTransient);
        Assert.Contains(uri, error.Message);
    }

    [Fact]
    public async Task Rest_ToleratesOmittedFieldsAndRunUuidInsteadOfRunId()
    {
        using var server = new FakeMlflowServer { RunUuidOnly = true };
        var (client, run) = await NewRunAsync(server);

        var (hits, next) = await client.SearchRunsAsync([run.ExperimentId], "tags.`no.such` = 'x'");
        var history = await client.GetMetricHistoryAsync(run.RunId, "never-logged");
        var found = await client.FindRunByTagAsync(run.ExperimentId, TrackingTags.SourceType, "LOCAL");

        Assert.Equal(server.Runs.Single().RunId, run.RunId);
        Assert.Equal("run", run.RunName);
        Assert.Empty(hits);
        Assert.Null(next);
        Assert.Empty(history);
        Assert.Equal(run.RunId, found?.RunId);
    }

    [Fact]
    public async Task Rest_SearchAllRunsFollowsPageTokensAndReturnsParamsTagsAndLatestMetrics()
    {
        using var server = new FakeMlflowServer { RequiredAuthorization = "Bearer tok-123456", RunsPerSearchPage = 2, Int64AsStrings = true };
        using var client = new MlflowRestClient(server.Uri, MlflowCredentials.Bearer("tok-123456"), Fast);
        var experiment = await client.GetOrCreateExperimentAsync("imdb");
        var created = new List<RunInfo>();
        for (var i = 0; i < 5; i++)
        {
            var run = await client.CreateRunAsync(experiment, $"run-{i}", 1_700_000_000_000 + i, "alice", [new RunTag("trial", $"t{i}")]);
            await client.LogBatchAsync(run.RunId,
                [new Metric("loss", 0.9, 10, 0), new Metric("loss", 0.1 * i, 30, 2), new Metric("loss", 0.5, 20, 1), new Metric("f1", double.NaN, 10, 0)],
                [new Param("lr", $"{i}e-5")], []);
            await client.UpdateRunAsync(run.RunId, RunStatus.Finished, 1_700_000_100_000 + i);
            created.Add(run);
        }

        var runs = await client.SearchAllRunsAsync([experiment]);

        Assert.Equal(created.Select(r => r.RunId).Order(), runs.Select(r => r.Info.RunId).Order());
        Assert.Equal(3, server.Requests.Count(r => r.Path.EndsWith("/runs/search")));
        foreach (var run in runs)
        {
            var i = created.FindIndex(c => c.RunId == run.Info.RunId);
            Assert.Equal(($"run-{i}", RunStatus.Finished, 1_700_000_000_000 + i, (long?)1_700_000_100_000 + i), (run.Info.RunName, run.Info.Status, run.Info.StartTimeMs, run.Info.EndTimeMs));
            Assert.Equal(new Param("lr", $"{i}e-5"), Assert.Single(run.Data.Params));
            Assert.Contains(new RunTag("trial", $"t{i}"), run.Data.Tags);
            Assert.Equal(new Metric("loss", 0.1 * i, 30, 2), Assert.Single(run.Data.LatestMetrics, m => m.Key == "loss"));
            Assert.True(double.IsNaN(Assert.Single(run.Data.LatestMetrics, m => m.Key == "f1").Value));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rest_ChangedParamIsRejectedAloneWithoutRetriesAndTheRestIsLogged(bool fileStoreBacked)
    {
        using var server = new FakeMlflowServer { FileStoreBacked = fileStoreBacked };
        var (client, run) = await NewRunAsync(server);
        await client.LogBatchAsync(run.RunId, [], [new Param("lr", "0.1")], []);

        var rejected = await client.LogBatchAsync(run.RunId, [new Metric("loss", 0.5, 10, 1)], [new Param("a", "1"), new Param("lr", "0.2"), new Param("b", "2")], [new RunTag("t", "v")]);

        var rejection = Assert.Single(rejected);
        Assert.Equal(("param", "lr"), (rejection.Kind, rejection.Key));
        Assert.Contains("Changing param values is not allowed", rejection.Reason);
        var stored = server.Runs.Single();
        Assert.Equal("0.1", stored.Params["lr"]);
        Assert.Equal(("1", "2"), (stored.Params["a"], stored.Params["b"]));
        Assert.Single(stored.Metrics);
        Assert.Equal("v", stored.Tags["t"]);
        // Bisecting a 5-entity batch takes a handful of requests; retrying the 500s would take many more.
        Assert.True(server.Requests.Count(r => r.Path.EndsWith("/runs/log-batch")) <= 8);
    }

    [Fact]
    public async Task Rest_KeyWithForbiddenCharactersIsRejectedWithAClearMessageAndTheRestIsLogged()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);

        var rejected = await client.LogBatchAsync(run.RunId, [new Metric("acc@1", 0.9, 10, 1), new Metric("acc", 0.9, 10, 1)], [], []);

        var rejection = Assert.Single(rejected);
        Assert.Equal("acc@1", rejection.Key);
        Assert.Contains("'@' is not allowed", rejection.Reason);
        Assert.Equal("acc", Assert.Single(server.Runs.Single().Metrics).Key);
    }

    [Fact]
    public async Task Rest_RetryAfterALostAnswerDoesNotDuplicateMetrics()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);
        server.DropLogBatchAnswersAfterApplying = 1;

        await client.LogBatchAsync(run.RunId, Metrics(500), [], []);

        Assert.Equal(500, server.Runs.Single().Metrics.Count);
    }

    [Fact]
    public async Task Rest_NonFiniteValuesRoundTrip()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);

        await client.LogBatchAsync(run.RunId, [new Metric("x", double.NaN, 1, 0), new Metric("x", double.PositiveInfinity, 2, 1), new Metric("x", double.NegativeInfinity, 3, 2)], [], []);
        var history = await client.GetMetricHistoryAsync(run.RunId, "x");

        Assert.True(double.IsNaN(history[0].Value));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], history.Skip(1).Select(m => m.Value));
    }

    [Fact]
    public async Task Rest_SendsBearerTokenAndExplainsAMissingOne()
    {
        using var server = new FakeMlflowServer { RequiredAuthorization = "Bearer tok-123456" };
        using var anonymous = new MlflowRestClient(server.Uri, options: Fast);

        var error = await Assert.ThrowsAsync<TrackingException>(() => anonymous.GetOrCreateExperimentAsync("imdb"));
        var (_, run) = await NewRunAsync(server, MlflowCredentials.Bearer("tok-123456"));

        Assert.Equal(401, error.HttpStatus);
        Assert.Contains("MLFLOW_TRACKING_TOKEN", error.Message);
        Assert.Equal(run.RunId, server.Runs.Single().RunId);
    }

    [Fact]
    public async Task Rest_SendsBasicCredentialsFromTheEnvironment()
    {
        using var server = new FakeMlflowServer { RequiredAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pa55word")) };
        var environment = new Dictionary<string, string?> { [MlflowCredentials.UsernameVariable] = "bob", [MlflowCredentials.PasswordVariable] = "pa55word" };

        var (_, run) = await NewRunAsync(server, MlflowCredentials.FromEnvironment(name => environment.GetValueOrDefault(name)));

        Assert.Equal(run.RunId, server.Runs.Single().RunId);
    }

    [Fact]
    public async Task Rest_UploadsFilesAndFoldersThroughTheArtifactProxy()
    {
        using var temp = new TempFolder();
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);
        File.WriteAllText(temp.Combine("metrics.json"), "{\"accuracy\": 0.9}");
        Directory.CreateDirectory(temp.Combine("model", "tokenizer"));
        File.WriteAllText(temp.Combine("model", "config.json"), "{}");
        File.WriteAllText(temp.Combine("model", "tokenizer", "vocab.txt"), "[PAD]");

        await client.LogArtifactAsync(run, temp.Combine("metrics.json"), null);
        await client.LogArtifactAsync(run, temp.Combine("model"), "model");

        var root = $"{run.ExperimentId}/{run.RunId}/artifacts";
        Assert.Equal("{\"accuracy\": 0.9}", Encoding.UTF8.GetString(server.Artifacts[$"{root}/metrics.json"]));
        Assert.Equal("{}", Encoding.UTF8.GetString(server.Artifacts[$"{root}/model/config.json"]));
        Assert.Equal("[PAD]", Encoding.UTF8.GetString(server.Artifacts[$"{root}/model/tokenizer/vocab.txt"]));
    }

    [Fact]
    public async Task Rest_InputsCarryTheDatasetAndItsContext()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);

        await client.LogInputsAsync(run.RunId, [DatasetInput.FromUrl("imdb", "abc123", "https://example.org/imdb.tar.gz", "validation")]);

        var input = Assert.Single(server.Runs.Single().Inputs);
        Assert.Equal("imdb", (string?)input["dataset"]!["name"]);
        Assert.Equal("abc123", (string?)input["dataset"]!["digest"]);
        Assert.Equal("validation", (string?)input["tags"]![0]!["value"]);
        Assert.Equal(TrackingTags.DatasetContext, (string?)input["tags"]![0]!["key"]);
    }

    [Fact]
    public async Task Rest_UpdateSetsStatusAndEndTimeAndSetTagSetsATag()
    {
        using var server = new FakeMlflowServer();
        var (client, run) = await NewRunAsync(server);

        await client.UpdateRunAsync(run.RunId, RunStatus.Killed, 1_700_000_009_000);
        await client.SetTagAsync(run.RunId, new RunTag(TrackingTags.Error, "interrupted"));

        Assert.Equal(("KILLED", 1_700_000_009_000L), (server.Runs.Single().Status, server.Runs.Single().EndTime));
        Assert.Equal("interrupted", server.Runs.Single().Tags[TrackingTags.Error]);
    }
}
