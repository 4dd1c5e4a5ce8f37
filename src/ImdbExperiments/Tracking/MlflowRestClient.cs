using System.Globalization;
using System.Text.Json;
using static ImdbExperiments.Tracking.MlflowBatches;
using static ImdbExperiments.Tracking.MlflowJson;

namespace ImdbExperiments.Tracking;

/// <summary>
/// A client for MLflow's REST API 2.0 (an <c>http://</c> or <c>https://</c> tracking URI): the endpoints and their JSON.
/// Sending, retries (429, 5xx, connection failures and timeouts, never other 4xx), credentials and error lines are
/// <see cref="MlflowHttpTransport"/>'s; cutting log-batch to MLflow's limits and isolating a refused entity are
/// <see cref="MlflowBatches"/>'. Tolerates what real servers do: omitted empty fields (<c>{}</c> for a search without
/// hits), <c>run_uuid</c> instead of <c>run_id</c>, and a changed param inside log-batch answered with 500
/// INTERNAL_ERROR by file-store-backed servers.
/// </summary>
public sealed class MlflowRestClient : ITrackingBackend
{
    private const int MetricHistoryPageSize = 25_000;
    private const int SearchPageSize = 1000;

    private readonly MlflowHttpTransport _transport;

    public MlflowRestClient(string trackingUri, MlflowCredentials? credentials = null, MlflowRestClientOptions? options = null, HttpMessageHandler? handler = null) =>
        _transport = new MlflowHttpTransport(trackingUri, credentials, options ?? new MlflowRestClientOptions(), handler);

    public string DisplayUri => _transport.DisplayUri;

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
                    runs.Add(new TrackedRun(info, ReadRunData(run)) { ModelOutputs = ReadModelOutputs(run) });
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
        return await MlflowBatches.LogAsync(metrics, parameters, tags, (chunk, token) => SendChunkAsync(runId, chunk, token), cancellationToken);
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
                    MlflowJson.WriteMetric(writer, metric, fields =>
                    {
                        fields.WriteString("model_id", modelId);
                        if (datasetName is not null)
                            fields.WriteString("dataset_name", datasetName);
                        if (datasetDigest is not null)
                            fields.WriteString("dataset_digest", datasetDigest);
                    });
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

    // rest_store.py log_outputs: POST runs/outputs {run_id, models: [{model_id, step}]}. The run is read first because a
    // SQL-backed server answers a model the run already lists with 400 BAD_REQUEST (the inputs table's primary key).
    public async Task LogOutputsAsync(string runId, IReadOnlyList<LoggedModelOutput> models, CancellationToken cancellationToken = default)
    {
        var listed = (await GetRunOutputsAsync(runId, cancellationToken)).Select(output => output.ModelId).ToHashSet(StringComparer.Ordinal);
        var missing = models.Where(model => !listed.Contains(model.ModelId)).ToList();
        if (missing.Count == 0)
            return;
        var body = Json(writer =>
        {
            writer.WriteString("run_id", runId);
            writer.WriteStartArray("models");
            foreach (var model in missing)
            {
                writer.WriteStartObject();
                writer.WriteString("model_id", model.ModelId);
                writer.WriteNumber("step", model.Step);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        });
        await CallAsync(HttpMethod.Post, "runs/outputs", body, null, cancellationToken);
    }

    /// <summary>The run's model outputs (runs/get: run.outputs.model_outputs; omitted when the run has none).</summary>
    public async Task<IReadOnlyList<LoggedModelOutput>> GetRunOutputsAsync(string runId, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync(HttpMethod.Get, "runs/get", null, Query(("run_id", runId)), cancellationToken);
        return response.TryGetProperty("run", out var run) ? ReadModelOutputs(run) : [];
    }

    public void Dispose() => _transport.Dispose();

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
            return new Uri(_transport.BaseUri, "api/2.0/mlflow-artifacts/artifacts/" + (root.Length > 0 ? root + "/" : "") + path);
        }
        if (location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            return new Uri(location.TrimEnd('/') + "/" + path);
        if (location.Length == 0)
            return new Uri(_transport.BaseUri, $"api/2.0/mlflow-artifacts/artifacts/{EscapeSegment(run.ExperimentId)}/{EscapeSegment(run.RunId)}/artifacts/{path}");
        var scheme = location.Contains(':', StringComparison.Ordinal) ? location[..location.IndexOf(':', StringComparison.Ordinal)] + ":" : location;
        throw new TrackingException(
            $"Run {run.RunId} stores artifacts at '{TrackingUri.Redact(location)}' ({scheme}), which this client cannot write and {DisplayUri} does not proxy; " +
            "the artifacts stay pending for Sync. Start the server with --serve-artifacts --artifacts-destination <that store> " +
            "and log to an experiment whose artifact root is mlflow-artifacts:/ (the default of a server that serves artifacts).",
            DeferredArtifacts.UnreachableErrorCode);
    }

    private async Task SendChunkAsync(string runId, LogBatchChunk chunk, CancellationToken cancellationToken)
    {
        var metrics = chunk.Metrics;
        await _transport.SendRebuildingAsync(HttpMethod.Post, "runs/log-batch", async (attempt, token) =>
        {
            // A retry after a timeout or a 5xx may follow a request the server did apply: drop the points it already has.
            if (attempt > 0 && metrics.Count > 0)
            {
                metrics = await WithoutStoredMetricsAsync(runId, metrics, token);
                if (metrics.Count == 0 && chunk.Parameters.Count == 0 && chunk.Tags.Count == 0)
                    return null;
            }
            return Json(writer =>
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
        }, cancellationToken);
    }

    private async Task<List<Metric>> WithoutStoredMetricsAsync(string runId, List<Metric> metrics, CancellationToken cancellationToken)
    {
        var stored = new List<Metric>();
        foreach (var key in metrics.Select(metric => metric.Key).Distinct(StringComparer.Ordinal))
        {
            string? pageToken = null;
            do
            {
                // Inside a log-batch attempt: a failure here retries that attempt.
                var json = await _transport.CallOnceAsync(HttpMethod.Get, "metrics/get-history", HistoryQuery(runId, key, pageToken), cancellationToken);
                stored.AddRange(ReadMetrics(json, key));
                pageToken = ReadString(json, "next_page_token") is { Length: > 0 } token ? token : null;
            }
            while (pageToken is not null);
        }
        return metrics.Where(metric => !stored.Any(metric.IsSamePointAs)).ToList();
    }

    private Task UploadAsync(RunInfo run, string file, string relativePath, CancellationToken cancellationToken) =>
        _transport.UploadFileAsync(ArtifactUploadUri(run, relativePath), file, relativePath, cancellationToken);

    private Task<JsonElement> CallAsync(HttpMethod method, string endpoint, byte[]? body, string? query, CancellationToken cancellationToken) =>
        _transport.CallAsync(method, endpoint, body, query, cancellationToken);

    private static string Query(params (string Name, string Value)[] pairs) =>
        string.Join('&', pairs.Select(pair => Uri.EscapeDataString(pair.Name) + "=" + Uri.EscapeDataString(pair.Value)));

    private static string HistoryQuery(string runId, string key, string? pageToken) =>
        pageToken is null
            ? Query(("run_id", runId), ("run_uuid", runId), ("metric_key", key), ("max_results", MetricHistoryPageSize.ToString(CultureInfo.InvariantCulture)))
            : Query(("run_id", runId), ("run_uuid", runId), ("metric_key", key), ("max_results", MetricHistoryPageSize.ToString(CultureInfo.InvariantCulture)), ("page_token", pageToken));

    private static string EscapeSegment(string segment) => Uri.EscapeDataString(segment);

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

    internal static IReadOnlyList<LoggedModelOutput> ReadModelOutputs(JsonElement run)
    {
        if (run.ValueKind != JsonValueKind.Object || !run.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Object ||
            !outputs.TryGetProperty("model_outputs", out var array) || array.ValueKind != JsonValueKind.Array)
            return [];
        return array.EnumerateArray()
            .Where(output => output.ValueKind == JsonValueKind.Object && ReadString(output, "model_id") is { Length: > 0 })
            .Select(output => new LoggedModelOutput(ReadString(output, "model_id")!, ReadInt64(output, "step") ?? 0))
            .ToList();
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
}
