using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>
/// Reads the runs of one experiment from an MLflow server: experiments/get-by-name, runs/search (active runs, every page;
/// each run with its params, tags and latest metrics), then metrics/get-history for every metric of every run.
/// </summary>
internal sealed class MlflowRestRunReader(string trackingUri, MlflowCredentials? credentials, MlflowRestClientOptions options) : IDisposable
{
    private const int PageSize = 1000;

    private readonly MlflowRestClient _client = new(trackingUri, credentials, options);
    private readonly HttpClient _http = new(options.InsecureTls == true
        ? new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator }
        : new HttpClientHandler()) { Timeout = options.AttemptTimeout };
    private readonly Uri _baseUri = new(trackingUri.TrimEnd('/') + "/");

    public async Task<IReadOnlyList<RunRecord>> ReadAsync(string experimentName, CancellationToken cancellationToken)
    {
        var experimentId = await _client.GetExperimentIdByNameAsync(experimentName, cancellationToken)
            ?? throw new TrackingException($"The MLflow server {_client.DisplayUri} has no experiment named '{experimentName}'.", "RESOURCE_DOES_NOT_EXIST", 404);

        var runs = new List<RunRecord>();
        string? pageToken = null;
        do
        {
            using var page = await SearchAsync(experimentId, pageToken, cancellationToken);
            if (page.RootElement.TryGetProperty("runs", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var run in array.EnumerateArray())
                {
                    if (ReadRun(run, experimentId) is { } record)
                    {
                        runs.Add(record);
                    }
                }
            }

            pageToken = page.RootElement.TryGetProperty("next_page_token", out var token) && token.GetString() is { Length: > 0 } next ? next : null;
        }
        while (pageToken is not null);

        var complete = new List<RunRecord>();
        foreach (var run in runs)
        {
            var histories = new Dictionary<string, IReadOnlyList<Metric>>(StringComparer.Ordinal);
            foreach (var key in run.Metrics.Keys)
            {
                histories[key] = RunHistories.Ordered(await _client.GetMetricHistoryAsync(run.RunId, key, cancellationToken));
            }

            complete.Add(run with { MetricHistories = histories });
        }

        return [.. complete.OrderBy(r => r.StartTime).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    public void Dispose()
    {
        _client.Dispose();
        _http.Dispose();
    }

    private async Task<JsonDocument> SearchAsync(string experimentId, string? pageToken, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object?>
        {
            ["experiment_ids"] = new[] { experimentId },
            ["run_view_type"] = "ACTIVE_ONLY",
            ["max_results"] = PageSize,
        };
        if (pageToken is not null)
        {
            body["page_token"] = pageToken;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUri, "api/2.0/mlflow/runs/search"))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        if (credentials is not null)
        {
            request.Headers.Authorization = credentials.Header;
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new TrackingException($"MLflow POST runs/search on {_client.DisplayUri} failed with HTTP {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] + "..." : text)}",
                httpStatus: (int)response.StatusCode, isTransient: (int)response.StatusCode is 429 or >= 500);
        }

        return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
    }

    private static RunRecord? ReadRun(JsonElement run, string experimentId)
    {
        if (!run.TryGetProperty("info", out var info) || (String(info, "run_id") ?? String(info, "run_uuid")) is not { } runId)
        {
            return null;
        }

        var data = run.TryGetProperty("data", out var d) ? d : default;
        var tags = Pairs(data, "tags");
        var latest = new Dictionary<string, double>(StringComparer.Ordinal);
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("metrics", out var metrics) && metrics.ValueKind == JsonValueKind.Array)
        {
            foreach (var metric in metrics.EnumerateArray())
            {
                if (String(metric, "key") is { } key)
                {
                    latest[key] = Double(metric, "value");
                }
            }
        }

        return new RunRecord
        {
            RunId = runId,
            ExperimentId = String(info, "experiment_id") ?? experimentId,
            Name = String(info, "run_name") is { Length: > 0 } name ? name : tags.GetValueOrDefault(TrackingTags.RunName) ?? runId,
            Status = Enum.TryParse<RunStatus>(String(info, "status"), ignoreCase: true, out var status) ? status : RunStatus.Running,
            StartTime = DateTimeOffset.FromUnixTimeMilliseconds(Long(info, "start_time") ?? 0),
            EndTime = Long(info, "end_time") is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
            Params = Pairs(data, "params"),
            Tags = tags,
            Metrics = latest,
        };
    }

    private static Dictionary<string, string> Pairs(JsonElement data, string name)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in array.EnumerateArray())
            {
                if (String(pair, "key") is { } key)
                {
                    pairs[key] = String(pair, "value") ?? "";
                }
            }
        }

        return pairs;
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch { JsonValueKind.String => value.GetString(), JsonValueKind.Number => value.GetRawText(), _ => null }
            : null;

    // Protobuf JSON may write int64 as a string.
    private static long? Long(JsonElement element, string name) =>
        long.TryParse(String(element, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double Double(JsonElement element, string name) => String(element, name) switch
    {
        null => double.NaN,
        "NaN" or "nan" => double.NaN,
        "Infinity" or "inf" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
