using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ImdbExperiments.Tracking;

/// <summary>
/// A client for MLflow's REST API 2.0 (an <c>http://</c> or <c>https://</c> tracking URI). Requests are retried
/// with exponential backoff on 429, 5xx, connection failures and timeouts, never on other 4xx. Batches are
/// validated and split to MLflow's limits before sending; MLflow's <c>error_code</c> and <c>message</c> end up
/// in <see cref="TrackingException"/>. Tolerates what real servers do: omitted empty fields (<c>{}</c> for a
/// search without hits), <c>run_uuid</c> instead of <c>run_id</c>, and a changed param inside log-batch answered
/// with 500 INTERNAL_ERROR by file-store-backed servers.
/// </summary>
public sealed class MlflowRestClient : ITrackingBackend
{
    private const int MetricHistoryPageSize = 25_000;
    private const int SearchPageSize = 1000;
    // Room for the envelope ({"run_id": ..., "metrics": [...]}) under MLflow's 1e6-byte request limit.
    private const int ChunkByteBudget = MlflowLimits.MaxBatchRequestBytes - 10_000;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly Uri _baseUri;
    private readonly MlflowCredentials? _credentials;
    private readonly ResiliencePipeline<RestResponse> _pipeline;
    private readonly ResiliencePipeline<RestResponse> _artifactPipeline;

    public MlflowRestClient(string trackingUri, MlflowCredentials? credentials = null, MlflowRestClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        options ??= new MlflowRestClientOptions();
        if (!Uri.TryCreate(trackingUri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
            throw new ArgumentException($"Tracking URI '{TrackingUri.Redact(trackingUri)}' is not an http:// or https:// address of an MLflow server.", nameof(trackingUri));
        var builder = new UriBuilder(parsed) { UserName = "", Password = "", Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
            builder.Path += "/";
        _baseUri = builder.Uri;
        _credentials = credentials;
        _http = new HttpClient(handler ?? CreateHandler(options.InsecureTls ?? false), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline(options, options.AttemptTimeout);
        _artifactPipeline = BuildPipeline(options, options.ArtifactAttemptTimeout);
    }

    public string DisplayUri => _baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');

    public async Task<string?> GetExperimentIdByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await CallAsync(HttpMethod.Get, "experiments/get-by-name", null, Query(("experiment_name", name)), cancellationToken);
            var experiment = response.TryGetProperty("experiment", out var e) ? e : default;
            if (experiment.ValueKind != JsonValueKind.Object)
                return null;
            if (ReadString(experiment, "lifecycle_stage") == "deleted")
                throw new TrackingException($"Experiment '{name}' is deleted on {DisplayUri}. Restore it (mlflow experiments restore) or use another experiment name.", "INVALID_STATE");
            return ReadString(experiment, "experiment_id");
        }
        catch (TrackingException exception) when (exception.ErrorCode == "RESOURCE_DOES_NOT_EXIST")
        {
            return null;
        }
    }

    public async Task<string> CreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("name", name);
        });
        var response = await CallAsync(HttpMethod.Post, "experiments/create", body, null, cancellationToken);
        return ReadString(response, "experiment_id")
            ?? throw new TrackingException($"MLflow experiments/create on {DisplayUri} answered without an experiment_id.", "INTERNAL_ERROR");
    }

    public async Task<string> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        if (await GetExperimentIdByNameAsync(name, cancellationToken) is { } id)
            return id;
        try
        {
            return await CreateExperimentAsync(name, cancellationToken);
        }
        catch (TrackingException exception) when (exception.ErrorCode == "RESOURCE_ALREADY_EXISTS")
        {
            // Another process created it between our two calls.
            var existing = await GetExperimentIdByNameAsync(name, cancellationToken);
            if (existing is null)
                throw;
            return existing;
        }
    }

    public async Task<RunInfo> CreateRunAsync(string experimentId, string runName, long startTimeMs, string userId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("experiment_id", experimentId);
            writer.WriteString("user_id", userId);
            writer.WriteString("run_name", runName);
            writer.WriteNumber("start_time", startTimeMs);
            writer.WriteStartArray("tags");
            foreach (var tag in tags)
                WriteKeyValue(writer, tag.Key, tag.Value);
            writer.WriteEndArray();
        });
        var response = await CallAsync(HttpMethod.Post, "runs/create", body, null, cancellationToken);
        if (!response.TryGetProperty("run", out var run) || ReadRunInfo(run, runName) is not { } info)
            throw new TrackingException($"MLflow runs/create on {DisplayUri} answered without a run id.", "INTERNAL_ERROR");
        return info;
    }

    /// <summary>
    /// One page of runs/search over active runs, each with its info and data (params, tags, each metric's latest point).
    /// An empty result comes back from MLflow as <c>{}</c>.
    /// </summary>
    /// <param name="filter">An MLflow search filter; empty matches every run.</param>
    public async Task<(IReadOnlyList<TrackedRun> Runs, string? NextPageToken)> SearchRunsAsync(
        IReadOnlyList<string> experimentIds, string filter = "", int maxResults = 1000, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteStartArray("experiment_ids");
            foreach (var id in experimentIds)
                writer.WriteStringValue(id);
            writer.WriteEndArray();
            if (filter.Length > 0)
                writer.WriteString("filter", filter);
            writer.WriteString("run_view_type", "ACTIVE_ONLY");
            writer.WriteNumber("max_results", maxResults);
            if (pageToken is not null)
                writer.WriteString("page_token", pageToken);
        });
        var response = await CallAsync(HttpMethod.Post, "runs/search", body, null, cancellationToken);
        var runs = new List<TrackedRun>();
        if (response.TryGetProperty("runs", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var run in array.EnumerateArray())
            {
                if (ReadRunInfo(run, null) is { } info)
                    runs.Add(new TrackedRun(info, ReadRunData(run)));
            }
        }
        return (runs, ReadString(response, "next_page_token") is { Length: > 0 } token ? token : null);
    }

    /// <summary>Every active run that <paramref name="filter"/> matches, following runs/search's page tokens to the last page.</summary>
    public async Task<IReadOnlyList<TrackedRun>> SearchAllRunsAsync(IReadOnlyList<string> experimentIds, string filter = "", CancellationToken cancellationToken = default)
    {
        var runs = new List<TrackedRun>();
        string? pageToken = null;
        do
        {
            var (page, next) = await SearchRunsAsync(experimentIds, filter, SearchPageSize, pageToken, cancellationToken);
            runs.AddRange(page);
            pageToken = next;
        }
        while (pageToken is not null);
        return runs;
    }

    public async Task<RunInfo?> FindRunByTagAsync(string experimentId, string tagKey, string tagValue, CancellationToken cancellationToken = default)
    {
        if (tagValue.IndexOfAny(['\'', '`', '\\']) >= 0 || tagKey.Contains('`'))
            throw new ArgumentException($"Tag '{tagKey}' = '{tagValue}' cannot be searched: quotes and backticks are not supported here.", nameof(tagValue));
        var (runs, _) = await SearchRunsAsync([experimentId], $"tags.`{tagKey}` = '{tagValue}'", 1, null, cancellationToken);
        return runs.Count > 0 ? runs[0].Info : null;
    }

    public async Task<IReadOnlyList<RejectedEntity>> LogBatchAsync(string runId, IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        var (goodMetrics, goodParams, goodTags, rejected) = MlflowLimits.Partition(metrics, parameters, tags);
        foreach (var chunk in Chunk(goodMetrics, goodParams, goodTags))
            await SendIsolatingRejectsAsync(runId, chunk, rejected, cancellationToken);
        return rejected;
    }

    public async Task SetExperimentTagAsync(string experimentId, RunTag tag, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("experiment_id", experimentId);
            writer.WriteString("key", tag.Key);
            writer.WriteString("value", tag.Value);
        });
        await CallAsync(HttpMethod.Post, "experiments/set-experiment-tag", body, null, cancellationToken);
    }

    public async Task SetTagAsync(string runId, RunTag tag, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("run_id", runId);
            writer.WriteString("run_uuid", runId);
            writer.WriteString("key", tag.Key);
            writer.WriteString("value", tag.Value);
        });
        await CallAsync(HttpMethod.Post, "runs/set-tag", body, null, cancellationToken);
    }

    public async Task LogInputsAsync(string runId, IReadOnlyList<DatasetInput> datasets, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in datasets.Chunk(MlflowLimits.MaxEntitiesPerBatch))
        {
            var body = Json(writer =>
            {
                writer.WriteString("run_id", runId);
                writer.WriteStartArray("datasets");
                foreach (var dataset in chunk)
                {
                    writer.WriteStartObject();
                    writer.WriteStartArray("tags");
                    if (dataset.Context is not null)
                        WriteKeyValue(writer, TrackingTags.DatasetContext, dataset.Context);
                    writer.WriteEndArray();
                    writer.WriteStartObject("dataset");
                    writer.WriteString("name", dataset.Name);
                    writer.WriteString("digest", dataset.Digest);
                    writer.WriteString("source_type", dataset.SourceType);
                    writer.WriteString("source", dataset.Source);
                    if (dataset.Schema is not null)
                        writer.WriteString("schema", dataset.Schema);
                    if (dataset.Profile is not null)
                        writer.WriteString("profile", dataset.Profile);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            });
            await CallAsync(HttpMethod.Post, "runs/log-inputs", body, null, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<Metric>> GetMetricHistoryAsync(string runId, string key, CancellationToken cancellationToken = default)
    {
        var metrics = new List<Metric>();
        string? pageToken = null;
        do
        {
            var response = await CallAsync(HttpMethod.Get, "metrics/get-history", null, HistoryQuery(runId, key, pageToken), cancellationToken);
            metrics.AddRange(ReadMetrics(response, key));
            pageToken = ReadString(response, "next_page_token") is { Length: > 0 } token ? token : null;
        }
        while (pageToken is not null);
        return metrics;
    }

    public async Task UpdateRunAsync(string runId, RunStatus status, long? endTimeMs, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("run_id", runId);
            writer.WriteString("run_uuid", runId);
            writer.WriteString("status", status.ToString().ToUpperInvariant());
            if (endTimeMs is { } end)
                writer.WriteNumber("end_time", end);
        });
        await CallAsync(HttpMethod.Post, "runs/update", body, null, cancellationToken);
    }

    public async Task LogArtifactAsync(RunInfo run, string localPath, string? artifactPath, CancellationToken cancellationToken = default)
    {
        // Like MLflow's client (artifact_repository_registry.py): a local artifact URI is written directly, the rest through the proxy.
        if (LocalArtifactRoot.Resolve(run.ArtifactUri) is { } root)
        {
            LocalArtifactRoot.Copy(root, localPath, artifactPath, cancellationToken);
            return;
        }
        var prefix = string.IsNullOrEmpty(artifactPath) ? "" : artifactPath.Replace('\\', '/').Trim('/') + "/";
        if (File.Exists(localPath))
        {
            await UploadAsync(run, localPath, prefix + Path.GetFileName(localPath), cancellationToken);
        }
        else if (Directory.Exists(localPath))
        {
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                await UploadAsync(run, file, prefix + Path.GetRelativePath(localPath, file).Replace('\\', '/'), cancellationToken);
        }
        else
        {
            throw new TrackingException($"Artifact '{localPath}' does not exist (it must stay in place until the run is synced).", "RESOURCE_DOES_NOT_EXIST");
        }
    }

    // MLflow 3 logged models as mlflow/store/tracking/rest_store.py calls them: create (POST logged-models), params in batches
    // of 100 (POST logged-models/<id>/params, model_id in the body too), tags (PATCH .../tags), finalize (PATCH logged-models/<id>).
    public async Task<LoggedModelInfo> CreateLoggedModelAsync(string experimentId, string name, string sourceRunId, string? modelType, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("experiment_id", experimentId);
            writer.WriteString("name", name);
            writer.WriteString("source_run_id", sourceRunId);
            if (modelType is not null)
                writer.WriteString("model_type", modelType);
        });
        var response = await CallAsync(HttpMethod.Post, "logged-models", body, null, cancellationToken);
        var info = response.TryGetProperty("model", out var model) && model.TryGetProperty("info", out var i) ? i : default;
        var modelId = ReadString(info, "model_id")
            ?? throw new TrackingException($"MLflow logged-models on {DisplayUri} answered without a model_id.", "INTERNAL_ERROR");
        return new LoggedModelInfo(modelId, ReadString(info, "experiment_id") ?? experimentId, ReadString(info, "name") ?? name,
            ReadString(info, "artifact_uri") ?? "", ReadString(info, "source_run_id") ?? sourceRunId);
    }

    public async Task LogLoggedModelParamsAsync(string modelId, IReadOnlyList<Param> parameters, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in parameters.Chunk(MlflowLimits.MaxParamsPerBatch))
        {
            var body = Json(writer =>
            {
                writer.WriteString("model_id", modelId);
                writer.WriteStartArray("params");
                foreach (var param in chunk)
                    WriteKeyValue(writer, param.Key, param.Value);
                writer.WriteEndArray();
            });
            await CallAsync(HttpMethod.Post, $"logged-models/{EscapeSegment(modelId)}/params", body, null, cancellationToken);
        }
    }

    public async Task SetLoggedModelTagsAsync(string modelId, IReadOnlyList<RunTag> tags, CancellationToken cancellationToken = default)
    {
        // rest_store.py set_logged_model_tags: the id is in the path only.
        var body = Json(writer =>
        {
            writer.WriteStartArray("tags");
            foreach (var tag in tags)
                WriteKeyValue(writer, tag.Key, tag.Value);
            writer.WriteEndArray();
        });
        await CallAsync(HttpMethod.Patch, $"logged-models/{EscapeSegment(modelId)}/tags", body, null, cancellationToken);
    }

    // A metric of log-batch with model_id is the model's too (sqlalchemy_store.py _log_model_metrics); the identical run point is not stored twice.
    public async Task LogLoggedModelMetricsAsync(string runId, string modelId, IReadOnlyList<Metric> metrics, string? datasetName, string? datasetDigest, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in metrics.Chunk(MlflowLimits.MaxMetricsPerBatch))
        {
            var body = Json(writer =>
            {
                writer.WriteString("run_id", runId);
                writer.WriteStartArray("metrics");
                foreach (var metric in chunk)
                {
                    writer.WriteStartObject();
                    writer.WriteString("key", metric.Key);
                    if (double.IsFinite(metric.Value))
                        writer.WriteNumber("value", metric.Value);
                    else
                        writer.WriteString("value", double.IsNaN(metric.Value) ? "NaN" : metric.Value > 0 ? "Infinity" : "-Infinity");
                    writer.WriteNumber("timestamp", metric.TimestampMs);
                    writer.WriteNumber("step", metric.Step);
                    writer.WriteString("model_id", modelId);
                    if (datasetName is not null)
                        writer.WriteString("dataset_name", datasetName);
                    if (datasetDigest is not null)
                        writer.WriteString("dataset_digest", datasetDigest);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            });
            await CallAsync(HttpMethod.Post, "runs/log-batch", body, null, cancellationToken);
        }
    }

    public async Task LogLoggedModelArtifactsAsync(LoggedModelInfo model, string localFolder, CancellationToken cancellationToken = default)
    {
        if (LocalArtifactRoot.Resolve(model.ArtifactUri) is { } root)
        {
            LocalArtifactRoot.Copy(root, localFolder, null, cancellationToken);
            return;
        }
        // The proxy addresses a model's files as a run's: <artifact root>/<relative path>.
        var target = new RunInfo(model.ModelId, model.ExperimentId, model.Name, model.ArtifactUri, RunStatus.Running, 0, null);
        foreach (var file in Directory.EnumerateFiles(localFolder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).StartsWith('.'))
                continue;
            await UploadAsync(target, file, Path.GetRelativePath(localFolder, file).Replace('\\', '/'), cancellationToken);
        }
    }

    public async Task FinalizeLoggedModelAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var body = Json(writer =>
        {
            writer.WriteString("model_id", modelId);
            writer.WriteString("status", "LOGGED_MODEL_READY");
        });
        await CallAsync(HttpMethod.Patch, $"logged-models/{EscapeSegment(modelId)}", body, null, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Where the server's artifact proxy takes a file of this run (PUT /api/2.0/mlflow-artifacts/artifacts/...).</summary>
    internal Uri ArtifactUploadUri(RunInfo run, string relativePath)
    {
        var path = string.Join('/', relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(EscapeSegment));
        var location = run.ArtifactUri;
        if (location.StartsWith("mlflow-artifacts:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = location["mlflow-artifacts:".Length..];
            if (rest.StartsWith("//", StringComparison.Ordinal))
            {
                var slash = rest.IndexOf('/', 2);
                rest = slash < 0 ? "" : rest[slash..];
            }
            var root = string.Join('/', rest.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(EscapeSegment));
            return new Uri(_baseUri, "api/2.0/mlflow-artifacts/artifacts/" + (root.Length > 0 ? root + "/" : "") + path);
        }
        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return new Uri(location.TrimEnd('/') + "/" + path);
        if (location.Length == 0)
            return new Uri(_baseUri, $"api/2.0/mlflow-artifacts/artifacts/{EscapeSegment(run.ExperimentId)}/{EscapeSegment(run.RunId)}/artifacts/{path}");
        var scheme = location.Contains(':', StringComparison.Ordinal) ? location[..location.IndexOf(':', StringComparison.Ordinal)] + ":" : location;
        throw new TrackingException(
            $"Run {run.RunId} stores artifacts at '{TrackingUri.Redact(location)}' ({scheme}), which this client cannot write and {DisplayUri} does not proxy; " +
            "the artifacts stay pending for Sync. Start the server with --serve-artifacts --artifacts-destination <that store> " +
            "and log to an experiment whose artifact root is mlflow-artifacts:/ (the default of a server that serves artifacts).",
            DeferredArtifacts.UnreachableErrorCode);
    }

    internal sealed record LogBatchChunk(List<Metric> Metrics, List<Param> Parameters, List<RunTag> Tags)
    {
        public int Count => Metrics.Count + Parameters.Count + Tags.Count;

        public (LogBatchChunk First, LogBatchChunk Second) Halve()
        {
            var all = Parameters.Cast<object>().Concat(Metrics).Concat(Tags).ToList();
            var half = all.Count / 2;
            return (FromEntities(all.Take(half)), FromEntities(all.Skip(half)));
        }

        public RejectedEntity Reject(string reason) =>
            Parameters.Count == 1 ? new("param", Parameters[0].Key, reason)
            : Metrics.Count == 1 ? new("metric", Metrics[0].Key, reason)
            : new("tag", Tags[0].Key, reason);

        private static LogBatchChunk FromEntities(IEnumerable<object> entities)
        {
            var list = entities.ToList();
            return new(list.OfType<Metric>().ToList(), list.OfType<Param>().ToList(), list.OfType<RunTag>().ToList());
        }
    }

    /// <summary>Params first, then metrics, then tags, each request within MLflow's count and size limits.</summary>
    internal static List<LogBatchChunk> Chunk(IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags)
    {
        var chunks = new List<LogBatchChunk>();
        var current = new LogBatchChunk([], [], []);
        var bytes = 0;
        void Add(int size, Func<LogBatchChunk, bool> fits, Action<LogBatchChunk> add)
        {
            if (current.Count > 0 && (!fits(current) || current.Count >= MlflowLimits.MaxEntitiesPerBatch || bytes + size > ChunkByteBudget))
            {
                chunks.Add(current);
                current = new LogBatchChunk([], [], []);
                bytes = 0;
            }
            add(current);
            bytes += size;
        }
        foreach (var param in parameters)
            Add(EntitySize(param.Key, param.Value), chunk => chunk.Parameters.Count < MlflowLimits.MaxParamsPerBatch, chunk => chunk.Parameters.Add(param));
        foreach (var metric in metrics)
            Add(EntitySize(metric.Key, "") + 64, chunk => chunk.Metrics.Count < MlflowLimits.MaxMetricsPerBatch, chunk => chunk.Metrics.Add(metric));
        foreach (var tag in tags)
            Add(EntitySize(tag.Key, tag.Value), chunk => chunk.Tags.Count < MlflowLimits.MaxTagsPerBatch, chunk => chunk.Tags.Add(tag));
        if (current.Count > 0)
            chunks.Add(current);
        return chunks;
    }

    private static int EntitySize(string key, string value) =>
        Json(writer => WriteKeyValueFields(writer, key, value)).Length + 1;

    // A chunk MLflow refuses as a whole for one bad entity is split until the bad one is alone; the rest is logged.
    private async Task SendIsolatingRejectsAsync(string runId, LogBatchChunk chunk, List<RejectedEntity> rejected, CancellationToken cancellationToken)
    {
        try
        {
            await SendChunkAsync(runId, chunk, cancellationToken);
        }
        catch (TrackingException exception) when (!exception.IsTransient && (exception.IsParamConflict || exception.ErrorCode == "INVALID_PARAMETER_VALUE"))
        {
            if (chunk.Count == 1)
            {
                rejected.Add(chunk.Reject(exception.Message));
                return;
            }
            var (first, second) = chunk.Halve();
            await SendIsolatingRejectsAsync(runId, first, rejected, cancellationToken);
            await SendIsolatingRejectsAsync(runId, second, rejected, cancellationToken);
        }
    }

    private async Task SendChunkAsync(string runId, LogBatchChunk chunk, CancellationToken cancellationToken)
    {
        var metrics = chunk.Metrics;
        var attempt = 0;
        var response = await ExecuteAsync(_pipeline, "runs/log-batch", async token =>
        {
            // A retry after a timeout or a 5xx may follow a request the server did apply: drop the points it already has.
            if (attempt++ > 0 && metrics.Count > 0)
            {
                metrics = await WithoutStoredMetricsAsync(runId, metrics, token);
                if (metrics.Count == 0 && chunk.Parameters.Count == 0 && chunk.Tags.Count == 0)
                    return new RestResponse(200, "{}", null, null);
            }
            var body = Json(writer =>
            {
                writer.WriteString("run_id", runId);
                writer.WriteStartArray("metrics");
                foreach (var metric in metrics)
                    WriteMetric(writer, metric);
                writer.WriteEndArray();
                writer.WriteStartArray("params");
                foreach (var param in chunk.Parameters)
                    WriteKeyValue(writer, param.Key, param.Value);
                writer.WriteEndArray();
                writer.WriteStartArray("tags");
                foreach (var tag in chunk.Tags)
                    WriteKeyValue(writer, tag.Key, tag.Value);
                writer.WriteEndArray();
            });
            return await SendOnceAsync(HttpMethod.Post, ApiUri("runs/log-batch", null), () => JsonContent(body), token);
        }, cancellationToken);
        ThrowIfFailed(HttpMethod.Post, "runs/log-batch", response);
    }

    private async Task<List<Metric>> WithoutStoredMetricsAsync(string runId, List<Metric> metrics, CancellationToken cancellationToken)
    {
        var stored = new List<Metric>();
        foreach (var key in metrics.Select(metric => metric.Key).Distinct(StringComparer.Ordinal))
        {
            string? pageToken = null;
            do
            {
                var response = await SendOnceAsync(HttpMethod.Get, ApiUri("metrics/get-history", HistoryQuery(runId, key, pageToken)), null, cancellationToken);
                if (response.Status is < 200 or >= 300)
                    throw new HttpRequestException($"metrics/get-history answered HTTP {response.Status}", null, (HttpStatusCode)response.Status);
                var json = Parse(HttpMethod.Get, "metrics/get-history", response.Body);
                stored.AddRange(ReadMetrics(json, key));
                pageToken = ReadString(json, "next_page_token") is { Length: > 0 } token ? token : null;
            }
            while (pageToken is not null);
        }
        return metrics.Where(metric => !stored.Any(metric.IsSamePointAs)).ToList();
    }

    private async Task UploadAsync(RunInfo run, string file, string relativePath, CancellationToken cancellationToken)
    {
        var uri = ArtifactUploadUri(run, relativePath);
        var response = await ExecuteAsync(_artifactPipeline, "mlflow-artifacts/artifacts", token =>
            SendOnceAsync(HttpMethod.Put, uri, () =>
            {
                var content = new StreamContent(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return content;
            }, token), cancellationToken);
        ThrowIfFailed(HttpMethod.Put, "mlflow-artifacts/artifacts/" + relativePath, response);
    }

    private async Task<JsonElement> CallAsync(HttpMethod method, string endpoint, byte[]? body, string? query, CancellationToken cancellationToken)
    {
        var uri = ApiUri(endpoint, query);
        var response = await ExecuteAsync(_pipeline, endpoint, token =>
            SendOnceAsync(method, uri, body is null ? null : () => JsonContent(body), token), cancellationToken);
        ThrowIfFailed(method, endpoint, response);
        return Parse(method, endpoint, response.Body);
    }

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
        if (_credentials is not null && Uri.Compare(uri, _baseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
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

    private Uri ApiUri(string endpoint, string? query) => new(_baseUri, "api/2.0/mlflow/" + endpoint + (query is null ? "" : "?" + query));

    private static string Query(params (string Name, string Value)[] pairs) =>
        string.Join('&', pairs.Select(pair => Uri.EscapeDataString(pair.Name) + "=" + Uri.EscapeDataString(pair.Value)));

    private static string HistoryQuery(string runId, string key, string? pageToken) =>
        pageToken is null
            ? Query(("run_id", runId), ("run_uuid", runId), ("metric_key", key), ("max_results", MetricHistoryPageSize.ToString(CultureInfo.InvariantCulture)))
            : Query(("run_id", runId), ("run_uuid", runId), ("metric_key", key), ("max_results", MetricHistoryPageSize.ToString(CultureInfo.InvariantCulture)), ("page_token", pageToken));

    private static string EscapeSegment(string segment) => Uri.EscapeDataString(segment);

    private static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = JsonContentType;
        return content;
    }

    private static byte[] Json(Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteKeyValue(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteStartObject();
        WriteKeyValueFields(writer, key, value);
        writer.WriteEndObject();
    }

    private static void WriteKeyValueFields(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteString("key", key);
        writer.WriteString("value", value);
    }

    private static void WriteMetric(Utf8JsonWriter writer, Metric metric)
    {
        writer.WriteStartObject();
        writer.WriteString("key", metric.Key);
        // Protobuf's JSON spelling of non-finite doubles, which MLflow's parser expects.
        if (double.IsNaN(metric.Value))
            writer.WriteString("value", "NaN");
        else if (double.IsPositiveInfinity(metric.Value))
            writer.WriteString("value", "Infinity");
        else if (double.IsNegativeInfinity(metric.Value))
            writer.WriteString("value", "-Infinity");
        else
            writer.WriteNumber("value", metric.Value);
        writer.WriteNumber("timestamp", metric.TimestampMs);
        writer.WriteNumber("step", metric.Step);
        writer.WriteEndObject();
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

    private static IEnumerable<Metric> ReadMetrics(JsonElement response, string key)
    {
        if (!response.TryGetProperty("metrics", out var array) || array.ValueKind != JsonValueKind.Array)
            yield break;
        foreach (var metric in array.EnumerateArray())
            yield return new Metric(ReadString(metric, "key") ?? key, ReadDouble(metric, "value"), ReadInt64(metric, "timestamp") ?? 0, ReadInt64(metric, "step") ?? 0);
    }

    private static RunInfo? ReadRunInfo(JsonElement run, string? requestedName)
    {
        if (!run.TryGetProperty("info", out var info) || info.ValueKind != JsonValueKind.Object)
            return null;
        var runId = ReadString(info, "run_id") ?? ReadString(info, "run_uuid");
        if (runId is null)
            return null;
        var name = ReadString(info, "run_name") ?? TagValue(run, TrackingTags.RunName) ?? requestedName ?? "";
        var status = ReadString(info, "status") is { } text && Enum.TryParse<RunStatus>(text, ignoreCase: true, out var parsed) ? parsed : RunStatus.Running;
        return new RunInfo(runId, ReadString(info, "experiment_id") ?? "", name, ReadString(info, "artifact_uri") ?? "", status,
            ReadInt64(info, "start_time") ?? 0, ReadInt64(info, "end_time"));
    }

    private static RunData ReadRunData(JsonElement run)
    {
        var data = run.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        var parameters = ReadEntries(data, "params").Select(entry => new Param(entry.Key, ReadString(entry.Element, "value") ?? "")).ToList();
        var tags = ReadEntries(data, "tags").Select(entry => new RunTag(entry.Key, ReadString(entry.Element, "value") ?? "")).ToList();
        var metrics = ReadEntries(data, "metrics")
            .Select(entry => new Metric(entry.Key, ReadDouble(entry.Element, "value"), ReadInt64(entry.Element, "timestamp") ?? 0, ReadInt64(entry.Element, "step") ?? 0))
            .ToList();
        return new RunData(parameters, tags, metrics);
    }

    // The keyed entries of one of RunData's lists; entries without a key are skipped.
    private static IEnumerable<(string Key, JsonElement Element)> ReadEntries(JsonElement data, string name)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
            yield break;
        foreach (var entry in array.EnumerateArray())
        {
            if (ReadString(entry, "key") is { } key)
                yield return (key, entry);
        }
    }

    private static string? TagValue(JsonElement run, string key)
    {
        if (!run.TryGetProperty("data", out var data) || !data.TryGetProperty("tags", out var tags) || tags.ValueKind != JsonValueKind.Array)
            return null;
        return tags.EnumerateArray().Where(tag => ReadString(tag, "key") == key).Select(tag => ReadString(tag, "value")).FirstOrDefault();
    }

    private static string? ReadString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            }
            : null;

    // Protobuf JSON may spell int64 as a string.
    private static long? ReadInt64(JsonElement element, string name) =>
        ReadString(element, name) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double ReadDouble(JsonElement element, string name) => ReadString(element, name) switch
    {
        null => 0,
        "NaN" or "nan" => double.NaN,
        "Infinity" or "inf" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Describe(Exception exception) => exception switch
    {
        TimeoutRejectedException => "the request timed out",
        HttpRequestException { InnerException: { } inner } http => $"{http.Message} ({inner.Message})",
        _ => exception.Message,
    };

    private sealed record RestResponse(int Status, string Body, RetryConditionHeaderValue? RetryAfter, Uri? Location);
}
