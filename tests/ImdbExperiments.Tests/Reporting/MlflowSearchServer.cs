using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImdbExperiments.Reporting;

namespace ImdbExperiments.Tests.Reporting;

/// <summary>
/// A read-only MLflow server on 127.0.0.1 serving given runs as MLflow 2.x answers: experiments/get-by-name, runs/search
/// (run info with int64 fields as strings, as protobuf JSON may write them; data.params, data.tags and data.metrics with
/// each metric's latest point; pages of two runs) and metrics/get-history (pages of 50 points).
/// </summary>
internal sealed class MlflowSearchServer : IDisposable
{
    private const int RunsPerPage = 2, PointsPerPage = 50;
    private readonly HttpListener _listener = new();
    private readonly IReadOnlyList<RunRecord> _runs;
    private readonly string _experimentName;
    private readonly Task _loop;

    public MlflowSearchServer(string experimentName, IReadOnlyList<RunRecord> runs)
    {
        _experimentName = experimentName;
        _runs = runs;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Uri = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Uri + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Uri { get; }

    /// <summary>When set, every request must carry exactly this Authorization header.</summary>
    public string? RequiredAuthorization { get; init; }

    public List<string> Requests { get; } = [];

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var (status, body) = Handle(context.Request);
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            context.Response.Close(bytes, willBlock: false);
        }
    }

    private (int, JsonObject) Handle(HttpListenerRequest request)
    {
        var path = request.Url!.AbsolutePath;
        lock (Requests)
        {
            Requests.Add($"{request.HttpMethod} {path}");
        }

        if (RequiredAuthorization is not null && request.Headers["Authorization"] != RequiredAuthorization)
        {
            return (401, new JsonObject { ["error_code"] = "UNAUTHENTICATED", ["message"] = "credentials required" });
        }

        var query = request.QueryString;
        switch (request.HttpMethod, path)
        {
            case ("GET", "/api/2.0/mlflow/experiments/get-by-name"):
                return query["experiment_name"] == _experimentName
                    ? (200, new JsonObject { ["experiment"] = new JsonObject { ["experiment_id"] = "7", ["name"] = _experimentName, ["lifecycle_stage"] = "active" } })
                    : (404, new JsonObject { ["error_code"] = "RESOURCE_DOES_NOT_EXIST", ["message"] = $"Could not find experiment with name '{query["experiment_name"]}'" });
            case ("POST", "/api/2.0/mlflow/runs/search"):
                using (var reader = new StreamReader(request.InputStream))
                {
                    var search = JsonNode.Parse(reader.ReadToEnd())!;
                    var offset = int.Parse((string?)search["page_token"] ?? "0", CultureInfo.InvariantCulture);
                    var page = _runs.Skip(offset).Take(RunsPerPage).ToList();
                    var response = new JsonObject();
                    if (page.Count > 0)
                    {
                        response["runs"] = new JsonArray([.. page.Select(RunJson)]);
                    }

                    if (offset + page.Count < _runs.Count)
                    {
                        response["next_page_token"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
                    }

                    return (200, response);
                }

            case ("GET", "/api/2.0/mlflow/metrics/get-history"):
                var run = _runs.Single(r => r.RunId == query["run_id"]);
                var points = run.MetricHistories[query["metric_key"]!];
                var start = int.Parse(query["page_token"] ?? "0", CultureInfo.InvariantCulture);
                var history = new JsonObject
                {
                    ["metrics"] = new JsonArray([.. points.Skip(start).Take(PointsPerPage).Select(p => (JsonNode)new JsonObject
                    {
                        ["key"] = p.Key, ["value"] = p.Value, ["timestamp"] = p.TimestampMs, ["step"] = p.Step,
                    })]),
                };
                if (start + PointsPerPage < points.Count)
                {
                    history["next_page_token"] = (start + PointsPerPage).ToString(CultureInfo.InvariantCulture);
                }

                return (200, history);
            default:
                return (404, new JsonObject { ["error_code"] = "ENDPOINT_NOT_FOUND", ["message"] = $"No endpoint {request.HttpMethod} {path}" });
        }
    }

    private static JsonNode RunJson(RunRecord run)
    {
        var info = new JsonObject
        {
            ["run_id"] = run.RunId,
            ["run_uuid"] = run.RunId,
            ["run_name"] = run.Name,
            ["experiment_id"] = "7",
            ["status"] = run.Status.ToString().ToUpperInvariant(),
            ["start_time"] = run.StartTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["lifecycle_stage"] = "active",
        };
        if (run.EndTime is { } end)
        {
            info["end_time"] = end.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        }

        static JsonArray Pairs(IReadOnlyDictionary<string, string> values) =>
            new([.. values.Select(kv => (JsonNode)new JsonObject { ["key"] = kv.Key, ["value"] = kv.Value })]);

        var data = new JsonObject
        {
            ["params"] = Pairs(run.Params),
            ["tags"] = Pairs(run.Tags),
            ["metrics"] = new JsonArray([.. run.MetricHistories.Select(h => h.Value.MaxBy(p => (p.Step, p.TimestampMs))!).Select(p => (JsonNode)new JsonObject
            {
                ["key"] = p.Key, ["value"] = p.Value, ["timestamp"] = p.TimestampMs, ["step"] = p.Step,
            })]),
        };
        return new JsonObject { ["info"] = info, ["data"] = data };
    }
}
