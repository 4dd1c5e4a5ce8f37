using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Tracking;

/// <summary>
/// An in-process stand-in for an MLflow tracking server (REST API 2.0 and the artifact proxy) on 127.0.0.1.
/// Validation, limits, messages and error shapes follow MLflow's server (mlflow/server/handlers.py,
/// mlflow/utils/validation.py, mlflow/exceptions.py): errors are {"error_code", "message"} with MLflow's HTTP
/// status; empty lists and unset fields are omitted, as protobuf's JSON printer does. Stores metrics the way the
/// file store does (nothing collapsed), so a duplicate sent by a client stays visible. Runs are answered as MLflow's Run
/// message: info, data (metrics: each key's latest point; params; tags) and inputs.
/// </summary>
public sealed partial class FakeMlflowServer : IDisposable
{
    /// <summary>How the server answers: normally, 503 to everything, by cutting every answer, or not at all (connections refused).</summary>
    public enum Availability { Up, Unavailable503, DropConnections, Down }

    private const int MaxRequestBytes = 1_000_000;
    private readonly LoopbackHttpServer _server;
    private readonly Lock _state = new();
    private readonly Dictionary<string, JsonObject> _experiments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeRun> _runs = new(StringComparer.Ordinal);
    private int _nextExperiment = 1;
    private Availability _mode = Availability.Up;

    public FakeMlflowServer()
    {
        _experiments["0"] = Experiment("0", "Default");
        _server = new LoopbackHttpServer(HandleAsync, oneAtATime: true);
    }

    public string Uri => _server.BaseUri;

    /// <summary>Down stops listening; any other mode listens again, on the same port.</summary>
    public Availability Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            if (value == Availability.Down)
                _server.StopAsync().GetAwaiter().GetResult();
            else
                _server.Start();
        }
    }

    /// <summary>A file-store-backed server answers a changed param inside log-batch with 500 INTERNAL_ERROR.</summary>
    public bool FileStoreBacked { get; set; }

    /// <summary>Old servers name the run id only run_uuid.</summary>
    public bool RunUuidOnly { get; set; }

    /// <summary>The next this-many log-batch requests are applied, then their connection is dropped before the answer.</summary>
    public int DropLogBatchAnswersAfterApplying { get; set; }

    /// <summary>The next this-many runs/outputs requests are answered 503 without being applied.</summary>
    public int FailRunsOutputs { get; set; }

    /// <summary>When set, requests must carry this Authorization header value.</summary>
    public string? RequiredAuthorization { get; set; }

    /// <summary>When set, runs/search answers at most this many runs a page, whatever max_results asks (so clients must page).</summary>
    public int? RunsPerSearchPage { get; set; }

    /// <summary>When set, metrics/get-history answers at most this many points a page, whatever max_results asks.</summary>
    public int? PointsPerHistoryPage { get; set; }

    /// <summary>Spell the int64 fields of runs and metrics as JSON strings, as protobuf's JSON mapping does (MLflow turns them back into numbers).</summary>
    public bool Int64AsStrings { get; set; }

    /// <summary>
    /// Set: the server runs as <c>mlflow server --no-serve-artifacts --default-artifact-root &lt;root&gt;</c>: runs get
    /// <c>&lt;root&gt;/&lt;experiment id&gt;/&lt;run id&gt;/artifacts</c> as artifact URI (mlflow/store/tracking/sqlalchemy_store.py
    /// create_run appends run_id/artifacts to the experiment's location) and the artifact proxy answers 404, as
    /// mlflow/server/handlers.py does when artifacts are not served.
    /// </summary>
    public string? DefaultArtifactRoot { get; set; }

    public List<RecordedRequest> Requests { get; } = [];

    public Dictionary<string, byte[]> Artifacts { get; } = new(StringComparer.Ordinal);

    public sealed record RecordedRequest(string Method, string Path, int BodyBytes, int Metrics, int Params, int Tags, int Status);

    public sealed class FakeRun
    {
        public required string RunId { get; init; }
        public required string ExperimentId { get; init; }
        public required string Name { get; set; }
        public required long StartTime { get; init; }
        public string Status { get; set; } = "RUNNING";
        public long? EndTime { get; set; }
        public Dictionary<string, string> Params { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
        public List<(string Key, double Value, long Timestamp, long Step)> Metrics { get; } = [];
        public List<JsonObject> Inputs { get; } = [];
        public List<(string ModelId, long Step)> Outputs { get; } = [];
    }

    public IReadOnlyList<FakeRun> Runs
    {
        get { lock (_state) return _runs.Values.ToList(); }
    }

    public string? ExperimentId(string name)
    {
        lock (_state)
            return _experiments.Values.FirstOrDefault(e => (string?)e["name"] == name)?["experiment_id"]?.GetValue<string>();
    }

    /// <summary>Creates an experiment as experiments/create would, without a request; returns its id.</summary>
    public string AddExperiment(string name)
    {
        lock (_state)
            return (string)CreateExperiment(new JsonObject { ["name"] = name }).Item2["experiment_id"]!;
    }

    /// <summary>Stores a run as it is, without a request: for a test that serves runs made elsewhere.</summary>
    public void AddRun(FakeRun run)
    {
        lock (_state)
        {
            if (!_experiments.ContainsKey(run.ExperimentId))
                throw new ArgumentException($"Experiment {run.ExperimentId} does not exist; add it first.", nameof(run));
            _runs.Add(run.RunId, run);
        }
    }

    public void Dispose() => _server.Dispose();

    private async Task HandleAsync(HttpListenerContext context, CancellationToken stopping)
    {
        try
        {
            await AnswerAsync(context, stopping);
        }
        catch (Exception exception) when (exception is not (HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException))
        {
            await RespondAsync(context, 500, Error("INTERNAL_ERROR", "fake server bug: " + exception.Message));
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var request = context.Request;
        byte[] body;
        using (var memory = new MemoryStream())
        {
            await request.InputStream.CopyToAsync(memory, stopping);
            body = memory.ToArray();
        }
        var path = request.Url!.AbsolutePath;
        if (Mode == Availability.DropConnections)
        {
            Record(request.HttpMethod, path, body, null, 0);
            await DropAsync(context);
            return;
        }
        if (Mode == Availability.Unavailable503)
        {
            Record(request.HttpMethod, path, body, null, 503);
            await RespondAsync(context, 503, Error("TEMPORARILY_UNAVAILABLE", "The server is temporarily unavailable."));
            return;
        }
        if (RequiredAuthorization is not null && request.Headers["Authorization"] != RequiredAuthorization)
        {
            Record(request.HttpMethod, path, body, null, 401);
            await RespondAsync(context, 401, Error("UNAUTHENTICATED", "You are not authenticated. Please provide valid credentials."));
            return;
        }

        JsonObject? json = null;
        if (body.Length > 0 && request.HttpMethod != "PUT")
        {
            try
            {
                json = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException exception)
            {
                await RespondAsync(context, 400, Error("BAD_REQUEST", "Malformed JSON: " + exception.Message));
                return;
            }
        }
        var query = request.QueryString;
        (int Status, JsonObject Body) result;
        lock (_state)
        {
            try
            {
                result = (request.HttpMethod, path) switch
                {
                    ("GET", "/api/2.0/mlflow/experiments/get-by-name") => GetExperimentByName(query["experiment_name"]),
                    ("POST", "/api/2.0/mlflow/experiments/create") => CreateExperiment(json!),
                    ("POST", "/api/2.0/mlflow/runs/create") => CreateRun(json!),
                    ("POST", "/api/2.0/mlflow/runs/update") => UpdateRun(json!),
                    ("POST", "/api/2.0/mlflow/runs/log-batch") => LogBatch(json!, body.Length),
                    ("POST", "/api/2.0/mlflow/runs/set-tag") => SetTag(json!),
                    ("POST", "/api/2.0/mlflow/experiments/set-experiment-tag") => SetExperimentTag(json!),
                    ("POST", "/api/2.0/mlflow/runs/log-inputs") => LogInputs(json!),
                    ("POST", "/api/2.0/mlflow/runs/search") => SearchRuns(json!),
                    ("GET", "/api/2.0/mlflow/runs/get") => GetRun(query["run_id"] ?? query["run_uuid"]),
                    ("POST", "/api/2.0/mlflow/runs/outputs") => LogOutputs(json!),
                    ("GET", "/api/2.0/mlflow/metrics/get-history") => GetMetricHistory(query["run_id"] ?? query["run_uuid"], query["metric_key"], query["max_results"], query["page_token"]),
                    ("POST", "/api/2.0/mlflow/logged-models") => CreateLoggedModel(json!),
                    ("POST", _) when LoggedModelPath().Match(path) is { Success: true, Groups: var g } && g["rest"].Value == "/params" => LogLoggedModelParams(g["id"].Value, json!),
                    ("PATCH", _) when LoggedModelPath().Match(path) is { Success: true, Groups: var g } && g["rest"].Value == "/tags" => SetLoggedModelTags(g["id"].Value, json!),
                    ("PATCH", _) when LoggedModelPath().Match(path) is { Success: true, Groups: var g } && g["rest"].Value == "" => FinalizeLoggedModel(g["id"].Value, json!),
                    ("PUT", _) when path.StartsWith("/api/2.0/mlflow-artifacts/artifacts/", StringComparison.Ordinal) && DefaultArtifactRoot is null => UploadArtifact(path, body),
                    _ => (404, Error("ENDPOINT_NOT_FOUND", $"No endpoint {request.HttpMethod} {path}")),
                };
            }
            catch (MlflowError error)
            {
                result = (error.Status, Error(error.Code, error.Message));
            }
        }
        Record(request.HttpMethod, path, body, json, result.Status);
        if (path.EndsWith("/runs/log-batch", StringComparison.Ordinal) && result.Status == 200 && DropLogBatchAnswersAfterApplying > 0)
        {
            DropLogBatchAnswersAfterApplying--;
            await DropAsync(context);
            return;
        }
        await RespondAsync(context, result.Status, result.Body);
    }

    private void Record(string method, string path, byte[] body, JsonObject? json, int status)
    {
        lock (Requests)
            Requests.Add(new RecordedRequest(method, path, body.Length, Count(json, "metrics"), Count(json, "params"), Count(json, "tags"), status));
    }

    private static int Count(JsonObject? json, string name) => json?[name] is JsonArray array ? array.Count : 0;

    private (int, JsonObject) GetExperimentByName(string? name)
    {
        Require(name, "experiment_name");
        var experiment = _experiments.Values.FirstOrDefault(e => (string?)e["name"] == name)
            ?? throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{name}'");
        return (200, new JsonObject { ["experiment"] = experiment.DeepClone() });
    }

    private (int, JsonObject) CreateExperiment(JsonObject json)
    {
        var name = (string?)json["name"];
        Require(name, "name");
        if (_experiments.Values.Any(e => (string?)e["name"] == name))
            throw new MlflowError(400, "RESOURCE_ALREADY_EXISTS", $"Experiment '{name}' already exists.");
        var id = (_nextExperiment++).ToString(CultureInfo.InvariantCulture);
        _experiments[id] = Experiment(id, name!);
        return (200, new JsonObject { ["experiment_id"] = id });
    }

    private (int, JsonObject) CreateRun(JsonObject json)
    {
        var experimentId = (string?)json["experiment_id"] ?? "0";
        if (!_experiments.ContainsKey(experimentId))
            throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with ID {experimentId}");
        var run = new FakeRun
        {
            RunId = Guid.NewGuid().ToString("N"),
            ExperimentId = experimentId,
            Name = (string?)json["run_name"] ?? "fake-run",
            StartTime = Int64(json["start_time"]) ?? 0,
        };
        foreach (var tag in Array(json, "tags"))
            run.Tags[(string)tag!["key"]!] = (string?)tag["value"] ?? "";
        run.Tags.TryAdd("mlflow.runName", run.Name);
        if (run.Tags.TryGetValue("mlflow.runName", out var tagName))
            run.Name = tagName;
        _runs[run.RunId] = run;
        return (200, new JsonObject { ["run"] = RunJson(run) });
    }

    private (int, JsonObject) UpdateRun(JsonObject json)
    {
        var run = FindRun((string?)json["run_id"] ?? (string?)json["run_uuid"]);
        if ((string?)json["status"] is { } status)
        {
            if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED"))
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid value \"{status}\" for parameter 'status' supplied.");
            run.Status = status;
        }
        if (Int64(json["end_time"]) is { } end)
            run.EndTime = end;
        return (200, new JsonObject { ["run_info"] = InfoJson(run) });
    }

    private (int, JsonObject) LogBatch(JsonObject json, int bodyBytes)
    {
        if (bodyBytes > MaxRequestBytes)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Batched logging API requests must be at most {MaxRequestBytes} bytes, got a request of size {bodyBytes}.");
        var runId = (string?)json["run_id"];
        Require(runId, "run_id");
        var metrics = Array(json, "metrics");
        var parameters = Array(json, "params");
        var tags = Array(json, "tags");
        // mlflow/utils/validation.py: data first, then counts, then unique param keys, then the run.
        for (var i = 0; i < metrics.Count; i++)
        {
            var metric = metrics[i]!.AsObject();
            Require((string?)metric["key"], $"metrics[{i}].key");
            if (metric["value"] is null)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter 'metrics[{i}].value'.");
            if (metric["timestamp"] is null)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter 'metrics[{i}].timestamp'.");
            ValidateKey((string)metric["key"]!, $"metrics[{i}].name");
        }
        for (var i = 0; i < parameters.Count; i++)
        {
            ValidateKey((string?)parameters[i]!["key"], $"params[{i}].key");
            if (((string?)parameters[i]!["value"] ?? "").Length > 6000)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"'params[{i}].value' exceeds the maximum length of 6000 characters");
        }
        for (var i = 0; i < tags.Count; i++)
        {
            ValidateKey((string?)tags[i]!["key"], $"tags[{i}].key");
            // MLflow 3's mlflow/utils/validation.py: MAX_TAG_VAL_LENGTH = 8000 (MAX_PARAM_VAL_LENGTH = 6000 above).
            if (((string?)tags[i]!["value"] ?? "").Length > 8000)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"'tags[{i}].value' exceeds the maximum length of 8000 characters");
        }
        BatchLimit("metrics", 1000, metrics.Count);
        BatchLimit("params", 100, parameters.Count);
        BatchLimit("tags", 100, tags.Count);
        BatchLimit("metrics, params, and tags", 1000, metrics.Count + parameters.Count + tags.Count);
        var duplicates = parameters.GroupBy(p => (string)p!["key"]!).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Duplicate parameter keys have been submitted: [{string.Join(", ", duplicates.Select(d => $"'{d}'"))}]. Please ensure the request contains only one param value per param key.");
        var run = FindRun(runId);

        if (!FileStoreBacked)
        {
            // SQL stores check every param before writing anything.
            foreach (var param in parameters)
                CheckParam(run, (string)param!["key"]!, (string?)param["value"] ?? "", 400, "INVALID_PARAMETER_VALUE");
        }
        foreach (var param in parameters)
        {
            var key = (string)param!["key"]!;
            var value = (string?)param["value"] ?? "";
            // File stores write params one by one and fail in the middle, wrapped as INTERNAL_ERROR.
            CheckParam(run, key, value, 500, "INTERNAL_ERROR");
            run.Params[key] = value;
        }
        foreach (var metric in metrics)
        {
            var point = ((string)metric!["key"]!, Double(metric["value"]!), Int64(metric["timestamp"])!.Value, Int64(metric["step"]) ?? 0);
            if ((string?)metric["model_id"] is { } modelId)
            {
                // sqlalchemy_store.py _log_metrics: a model's metric is also the run's, but an identical run row is not stored twice.
                var model = FindModel(modelId);
                model.Metrics.Add(new LoggedModelMetric(point.Item1, point.Item2, point.Item3, point.Item4, run.RunId, (string?)metric["dataset_name"], (string?)metric["dataset_digest"]));
                if (run.Metrics.Contains(point))
                    continue;
            }
            run.Metrics.Add(point);
        }
        foreach (var tag in tags)
        {
            run.Tags[(string)tag!["key"]!] = (string?)tag["value"] ?? "";
            if ((string)tag["key"]! == "mlflow.runName")
                run.Name = (string?)tag["value"] ?? "";
        }
        return (200, new JsonObject());
    }

    private static void CheckParam(FakeRun run, string key, string value, int status, string code)
    {
        if (run.Params.TryGetValue(key, out var existing) && existing != value)
            throw new MlflowError(status, code,
                $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{existing}' for run ID='{run.RunId}'. Attempted logging new value '{value}'.");
    }

    // mlflow/server/handlers.py _set_experiment_tag: experiment_id and key required, the experiment must be active.
    private (int, JsonObject) SetExperimentTag(JsonObject json)
    {
        var id = (string?)json["experiment_id"];
        Require(id, "experiment_id");
        var key = (string?)json["key"];
        Require(key, "key");
        ValidateKey(key, "key");
        if (!_experiments.TryGetValue(id!, out var experiment))
            throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with ID {id}");
        var tags = experiment["tags"] as JsonArray ?? new JsonArray();
        foreach (var old in tags.Where(t => (string?)t!["key"] == key).ToList())
            tags.Remove(old);
        tags.Add(new JsonObject { ["key"] = key, ["value"] = (string?)json["value"] ?? "" });
        experiment["tags"] = tags;
        return (200, new JsonObject());
    }

    /// <summary>An experiment's tags as experiments/get would answer them.</summary>
    public IReadOnlyDictionary<string, string> ExperimentTags(string experimentId)
    {
        lock (_state)
            return (_experiments[experimentId]["tags"] as JsonArray ?? []).ToDictionary(t => (string)t!["key"]!, t => (string?)t!["value"] ?? "");
    }

    private (int, JsonObject) SetTag(JsonObject json)
    {
        var run = FindRun((string?)json["run_id"] ?? (string?)json["run_uuid"]);
        var key = (string?)json["key"];
        Require(key, "key");
        ValidateKey(key, "key");
        run.Tags[key!] = (string?)json["value"] ?? "";
        return (200, new JsonObject());
    }

    private (int, JsonObject) LogInputs(JsonObject json)
    {
        var run = FindRun((string?)json["run_id"]);
        foreach (var input in Array(json, "datasets"))
        {
            var dataset = input!["dataset"]?.AsObject() ?? throw new MlflowError(400, "INVALID_PARAMETER_VALUE", "Dataset cannot be None");
            foreach (var field in new[] { "name", "digest", "source_type", "source" })
            {
                if (dataset[field] is null)
                    throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Dataset {field} cannot be None");
            }
            if (((string)dataset["digest"]!).Length > 36)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", "'digest' exceeds the maximum length of 36 characters");
            if (((string)dataset["name"]!).Length > 500)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", "'name' exceeds the maximum length of 500 characters");
            // mlflow/store/tracking/sqlalchemy_store.py _log_inputs_impl: a dataset is one row per (name, digest) and a run
            // holds one input per dataset, so a second input of the same dataset (another context tag) is dropped.
            if (!run.Inputs.Any(existing => (string?)existing["dataset"]!["name"] == (string?)dataset["name"] && (string?)existing["dataset"]!["digest"] == (string?)dataset["digest"]))
                run.Inputs.Add(input.AsObject().DeepClone().AsObject());
        }
        return (200, new JsonObject());
    }

    // mlflow/server/handlers.py _get_run: run_id (or the older run_uuid) required; the Run message with info, data, inputs, outputs.
    private (int, JsonObject) GetRun(string? runId) => (200, new JsonObject { ["run"] = RunJson(FindRun(runId)) });

    // mlflow/server/handlers.py _log_outputs: run_id and models required ("Missing value for required parameter '<name>'."), then
    // the store's log_outputs. sqlalchemy_store.py adds an inputs row (RUN_OUTPUT, run, MODEL_OUTPUT, model) per model, so a model
    // the run already lists breaks the primary key: IntegrityError, answered 400 BAD_REQUEST; file_store.py skips the existing
    // outputs/<model_id> folder instead. Neither checks that the model exists.
    private (int, JsonObject) LogOutputs(JsonObject json)
    {
        if (FailRunsOutputs > 0)
        {
            FailRunsOutputs--;
            throw new MlflowError(503, "TEMPORARILY_UNAVAILABLE", "runs/outputs is unavailable");
        }
        var runId = json["run_id"] is JsonValue id && id.GetValueKind() == JsonValueKind.String ? (string?)id : null;
        Require(runId, "run_id");
        if (json["models"] is not JsonArray models)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'models'.");
        var run = FindRun(runId);
        foreach (var model in models)
        {
            var modelId = (string?)model?["model_id"] ?? "";
            var step = Int64(model?["step"]) ?? 0;
            if (run.Outputs.Any(output => output.ModelId == modelId))
            {
                if (FileStoreBacked)
                    continue;
                throw new MlflowError(400, "BAD_REQUEST", "(sqlite3.IntegrityError) UNIQUE constraint failed: inputs.source_type, inputs.source_id, inputs.destination_type, inputs.destination_id");
            }
            run.Outputs.Add((modelId, step));
        }
        return (200, new JsonObject());
    }

    private (int, JsonObject) SearchRuns(JsonObject json)
    {
        var ids = Array(json, "experiment_ids").Select(id => (string)id!).ToHashSet(StringComparer.Ordinal);
        var maxResults = Int64(json["max_results"]) ?? 1000;
        if (maxResults > 50000)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid value {maxResults} for parameter 'max_results' supplied. It must be at most 50000");
        var filter = (string?)json["filter"] ?? "";
        Func<FakeRun, bool> matches = _ => true;
        if (filter.Length > 0)
        {
            var match = TagFilter().Match(filter);
            if (!match.Success)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid filter '{filter}' (this fake server supports tags.<key> = '<value>' only).");
            var key = match.Groups["key"].Value.Trim('`', '"');
            var value = match.Groups["value"].Value;
            matches = run => run.Tags.TryGetValue(key, out var v) && v == value;
        }
        var offset = int.TryParse((string?)json["page_token"], out var o) ? o : 0;
        var hits = _runs.Values.Where(run => ids.Contains(run.ExperimentId) && matches(run)).OrderByDescending(run => run.StartTime).ToList();
        var page = hits.Skip(offset).Take((int)Math.Min(maxResults, RunsPerSearchPage ?? int.MaxValue)).ToList();
        var response = new JsonObject();
        if (page.Count > 0)
            response["runs"] = new JsonArray(page.Select(run => (JsonNode)RunJson(run)).ToArray());
        if (offset + page.Count < hits.Count)
            response["next_page_token"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
        return (200, response);
    }

    private (int, JsonObject) GetMetricHistory(string? runId, string? key, string? maxResults, string? pageToken)
    {
        Require(runId, "run_id");
        Require(key, "metric_key");
        var run = FindRun(runId);
        var all = run.Metrics.Where(metric => metric.Key == key).ToList();
        var offset = int.TryParse(pageToken, out var o) ? o : 0;
        var size = Math.Min(int.TryParse(maxResults, out var m) && m > 0 ? m : all.Count, PointsPerHistoryPage ?? int.MaxValue);
        var page = all.Skip(offset).Take(size).ToList();
        var response = new JsonObject();
        if (page.Count > 0)
            response["metrics"] = new JsonArray(page.Select(MetricJson).ToArray());
        if (offset + page.Count < all.Count)
            response["next_page_token"] = (offset + page.Count).ToString(CultureInfo.InvariantCulture);
        return (200, response);
    }

    private (int, JsonObject) UploadArtifact(string path, byte[] body)
    {
        var relative = System.Uri.UnescapeDataString(path["/api/2.0/mlflow-artifacts/artifacts/".Length..]);
        if (relative.Split('/').Any(segment => segment is ".." or ""))
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid path: {relative}");
        Artifacts[relative] = body;
        return (200, new JsonObject());
    }

    /// <summary>An MLflow 3 LoggedModel as the server keeps it (mlflow/entities/logged_model.py).</summary>
    public sealed class FakeLoggedModel
    {
        public required string ModelId { get; init; }
        public required string ExperimentId { get; init; }
        public required string Name { get; init; }
        public required string SourceRunId { get; init; }
        public string? ModelType { get; init; }
        public string Status { get; set; } = "LOGGED_MODEL_PENDING";
        public Dictionary<string, string> Params { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
        public List<LoggedModelMetric> Metrics { get; } = [];
        public string ArtifactUri => $"mlflow-artifacts:/{ExperimentId}/models/{ModelId}/artifacts";
    }

    public sealed record LoggedModelMetric(string Key, double Value, long Timestamp, long Step, string RunId, string? DatasetName, string? DatasetDigest);

    private readonly Dictionary<string, FakeLoggedModel> _models = new(StringComparer.Ordinal);

    public IReadOnlyList<FakeLoggedModel> LoggedModels
    {
        get { lock (_state) return _models.Values.ToList(); }
    }

    // _create_logged_model (mlflow/server/handlers.py): experiment_id required; the model is PENDING until finalized.
    private (int, JsonObject) CreateLoggedModel(JsonObject json)
    {
        var experimentId = (string?)json["experiment_id"];
        Require(experimentId, "experiment_id");
        if (!_experiments.ContainsKey(experimentId!))
            throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={experimentId} exists");
        var sourceRunId = (string?)json["source_run_id"] ?? "";
        if (sourceRunId.Length > 0)
            FindRun(sourceRunId);
        var model = new FakeLoggedModel
        {
            ModelId = "m-" + Guid.NewGuid().ToString("N"),
            ExperimentId = experimentId!,
            Name = (string?)json["name"] ?? "model",
            SourceRunId = sourceRunId,
            ModelType = (string?)json["model_type"],
        };
        foreach (var param in Array(json, "params"))
            model.Params[(string)param!["key"]!] = (string?)param["value"] ?? "";
        foreach (var tag in Array(json, "tags"))
            model.Tags[(string)tag!["key"]!] = (string?)tag["value"] ?? "";
        _models[model.ModelId] = model;
        return (200, new JsonObject { ["model"] = ModelJson(model) });
    }

    private (int, JsonObject) LogLoggedModelParams(string modelId, JsonObject json)
    {
        var model = FindModel(modelId);
        foreach (var param in Array(json, "params"))
        {
            var key = (string)param!["key"]!;
            var value = (string?)param["value"] ?? "";
            if (model.Params.TryGetValue(key, out var existing) && existing != value)
                throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{existing}' for model ID='{modelId}'.");
            model.Params[key] = value;
        }
        return (200, new JsonObject());
    }

    private (int, JsonObject) SetLoggedModelTags(string modelId, JsonObject json)
    {
        var model = FindModel(modelId);
        foreach (var tag in Array(json, "tags"))
            model.Tags[(string)tag!["key"]!] = (string?)tag["value"] ?? "";
        return (200, new JsonObject { ["model"] = ModelJson(model) });
    }

    private (int, JsonObject) FinalizeLoggedModel(string modelId, JsonObject json)
    {
        var model = FindModel(modelId);
        var status = (string?)json["status"];
        if (status is not ("LOGGED_MODEL_READY" or "LOGGED_MODEL_UPLOAD_FAILED"))
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid status for finalize: '{status}'.");
        model.Status = status;
        return (200, new JsonObject { ["model"] = ModelJson(model) });
    }

    private FakeLoggedModel FindModel(string modelId) =>
        _models.TryGetValue(modelId, out var model) ? model : throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Logged model with ID '{modelId}' not found.");

    private static JsonObject ModelJson(FakeLoggedModel model) => new()
    {
        ["info"] = new JsonObject
        {
            ["model_id"] = model.ModelId,
            ["experiment_id"] = model.ExperimentId,
            ["name"] = model.Name,
            ["artifact_uri"] = model.ArtifactUri,
            ["source_run_id"] = model.SourceRunId,
            ["status"] = model.Status,
        },
    };

    [GeneratedRegex(@"^/api/2\.0/mlflow/logged-models/(?<id>m-[0-9a-f]+)(?<rest>/params|/tags)?$")]
    private static partial Regex LoggedModelPath();

    private FakeRun FindRun(string? runId)
    {
        Require(runId, "run_id");
        return _runs.TryGetValue(runId!, out var run)
            ? run
            : throw new MlflowError(404, "RESOURCE_DOES_NOT_EXIST", $"Run with id={runId} not found");
    }

    private JsonObject RunJson(FakeRun run)
    {
        var data = new JsonObject();
        // Each key's latest point, chosen as MLflow's stores do: the largest (step, timestamp, value).
        var latest = run.Metrics.GroupBy(m => m.Key, StringComparer.Ordinal)
            .Select(points => points.MaxBy(m => (m.Step, m.Timestamp, double.IsNaN(m.Value) ? double.NegativeInfinity : m.Value)))
            .ToList();
        if (latest.Count > 0)
            data["metrics"] = new JsonArray(latest.Select(MetricJson).ToArray());
        if (run.Params.Count > 0)
            data["params"] = new JsonArray(run.Params.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value }).ToArray());
        if (run.Tags.Count > 0)
            data["tags"] = new JsonArray(run.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value }).ToArray());
        var json = new JsonObject { ["info"] = InfoJson(run), ["data"] = data };
        if (run.Inputs.Count > 0)
            json["inputs"] = new JsonObject { ["dataset_inputs"] = new JsonArray(run.Inputs.Select(i => i.DeepClone()).ToArray()) };
        else
            json["inputs"] = new JsonObject();
        // RunOutputs.to_proto: model_outputs [{model_id, step}], an empty message when the run has none.
        json["outputs"] = run.Outputs.Count == 0
            ? new JsonObject()
            : new JsonObject { ["model_outputs"] = new JsonArray(run.Outputs.Select(o => (JsonNode)new JsonObject { ["model_id"] = o.ModelId, ["step"] = Int64Json(o.Step) }).ToArray()) };
        return json;
    }

    private JsonObject InfoJson(FakeRun run)
    {
        var info = new JsonObject();
        if (!RunUuidOnly)
            info["run_id"] = run.RunId;
        info["run_uuid"] = run.RunId;
        if (!RunUuidOnly)
            info["run_name"] = run.Name;
        info["experiment_id"] = run.ExperimentId;
        info["user_id"] = "fake-user";
        info["status"] = run.Status;
        info["start_time"] = Int64Json(run.StartTime);
        if (run.EndTime is { } end)
            info["end_time"] = Int64Json(end);
        info["artifact_uri"] = DefaultArtifactRoot is { } root ? $"{root.TrimEnd('/')}/{run.ExperimentId}/{run.RunId}/artifacts" : $"mlflow-artifacts:/{run.ExperimentId}/{run.RunId}/artifacts";
        info["lifecycle_stage"] = "active";
        return info;
    }

    private JsonNode MetricJson((string Key, double Value, long Timestamp, long Step) metric) => new JsonObject
    {
        ["key"] = metric.Key,
        ["value"] = ValueNode(metric.Value),
        ["timestamp"] = Int64Json(metric.Timestamp),
        ["step"] = Int64Json(metric.Step),
    };

    private JsonNode Int64Json(long value) =>
        Int64AsStrings ? JsonValue.Create(value.ToString(CultureInfo.InvariantCulture)) : JsonValue.Create(value);

    private static JsonObject Experiment(string id, string name) => new()
    {
        ["experiment_id"] = id,
        ["name"] = name,
        ["artifact_location"] = $"mlflow-artifacts:/{id}",
        ["lifecycle_stage"] = "active",
        ["last_update_time"] = 1,
        ["creation_time"] = 1,
    };

    // validate_param_and_metric_name (Linux) and path_not_unique of mlflow/utils/validation.py.
    private static void ValidateKey(string? key, string path)
    {
        if (key is null)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{path}'.");
        if (!KeyPattern().IsMatch(key))
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE",
                $"Invalid value {JsonSerializer.Serialize(key)} for parameter '{path}' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).");
        var normalized = PosixNormalize(key);
        if (normalized != key || normalized == "." || normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE",
                $"Invalid value {JsonSerializer.Serialize(key)} for parameter '{path}' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{normalized}'");
        if (key.Length > 250)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"'{path}' exceeds the maximum length of 250 characters");
    }

    private static string PosixNormalize(string path)
    {
        if (path.Length == 0)
            return ".";
        var rooted = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part != ".." || (!rooted && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
                parts.Add(part);
            else if (parts.Count > 0)
                parts.RemoveAt(parts.Count - 1);
        }
        var joined = (rooted ? "/" : "") + string.Join('/', parts);
        return joined.Length == 0 ? "." : joined;
    }

    private static void BatchLimit(string entity, int limit, int count)
    {
        if (count > limit)
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE",
                $"A batch logging request can contain at most {limit} {entity}. Got {count} {entity}. Please split up {entity} across multiple requests and try again.");
    }

    private static void Require(string? value, string path)
    {
        if (string.IsNullOrEmpty(value))
            throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{path}'.");
    }

    private static JsonArray Array(JsonObject json, string name) => json[name] as JsonArray ?? [];

    private static long? Int64(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Number => node.GetValue<long>(),
        JsonValueKind.String => long.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture),
        _ => null,
    };

    private static double Double(JsonNode node) => node.GetValueKind() == JsonValueKind.String
        ? node.GetValue<string>() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var other => throw new MlflowError(400, "INVALID_PARAMETER_VALUE", $"Invalid value \"{other}\" for a metric value."),
        }
        : node.GetValue<double>();

    private static JsonNode ValueNode(double value) =>
        double.IsNaN(value) ? JsonValue.Create("NaN")
        : double.IsPositiveInfinity(value) ? JsonValue.Create("Infinity")
        : double.IsNegativeInfinity(value) ? JsonValue.Create("-Infinity")
        : JsonValue.Create(value);

    private static JsonObject Error(string code, string message) => new() { ["error_code"] = code, ["message"] = message };

    // A lost answer: promise a body, send a little, then cut.
    private static Task DropAsync(HttpListenerContext context)
    {
        context.Response.StatusCode = 200;
        return LoopbackHttpServer.CutOffAsync(context.Response, 1000, "{\"metr"u8.ToArray());
    }

    private static Task RespondAsync(HttpListenerContext context, int status, JsonObject body) =>
        LoopbackHttpServer.RespondAsync(context.Response, status, Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");

    [GeneratedRegex(@"^[/\w.\- :]*$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^\s*tags\.(?<key>`[^`]+`|""[^""]+""|[\w.]+)\s*=\s*'(?<value>[^']*)'\s*$")]
    private static partial Regex TagFilter();

    private sealed class MlflowError(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }
}
