using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Tracking;

/// <summary>
/// MLflow's limits and key rule (mlflow/utils/validation.py), checked before anything is journaled or sent.
/// The key rule is the portable one: MLflow's regex <c>^[/\w.\- ]*$</c> plus its "path must not resolve to
/// another name" check. Newer servers on Linux also accept ':'; older servers and Windows do not, so we don't.
/// </summary>
public static class MlflowLimits
{
    public const int MaxMetricsPerBatch = 1000;
    public const int MaxParamsPerBatch = 100;
    public const int MaxTagsPerBatch = 100;
    public const int MaxEntitiesPerBatch = 1000;

    /// <summary>MLflow rejects a log-batch request body above 1e6 bytes.</summary>
    public const int MaxBatchRequestBytes = 1_000_000;

    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;

    /// <summary>MLflow 3's MAX_TAG_VAL_LENGTH (mlflow/utils/validation.py); MAX_PARAM_VAL_LENGTH is 6000.</summary>
    public const int MaxTagValueLength = 8000;

    public const int MaxExperimentNameLength = 500;
    public const int MaxDatasetNameLength = 500;
    public const int MaxDatasetDigestLength = 36;
    public const int MaxDatasetSourceLength = 65535;
    public const int MaxInputTagKeyLength = 255;
    public const int MaxInputTagValueLength = 500;

    public const string AllowedKeyCharacters =
        "letters, digits, underscores (_), dashes (-), periods (.), spaces ( ) and slashes (/)";

    /// <summary>Null when MLflow accepts <paramref name="key"/> as a metric, param or tag key; otherwise what is wrong.</summary>
    public static string? KeyProblem(string? key)
    {
        if (string.IsNullOrEmpty(key))
            return "a key must not be empty";
        if (key.Length > MaxKeyLength)
            return $"a key may have at most {MaxKeyLength} characters, this one has {key.Length}";
        foreach (var rune in key.EnumerateRunes())
        {
            if (!IsAllowed(rune))
                return $"'{rune}' is not allowed; keys may contain only {AllowedKeyCharacters}";
        }
        var normalized = PosixNormalize(key);
        if (normalized != key || normalized == "." || normalized.StartsWith("..", StringComparison.Ordinal) || normalized.StartsWith('/'))
            return $"keys are file paths in MLflow's file store and must not resolve to another name; this one resolves to '{normalized}'";
        return null;
    }

    public static bool IsValidKey(string? key) => KeyProblem(key) is null;

    /// <summary>
    /// A key MLflow accepts, as close to <paramref name="key"/> as possible: forbidden characters become '_',
    /// empty or dot segments are dropped or replaced, and a key over the length limit keeps a hash of the original.
    /// </summary>
    public static string SanitizeKey(string? key)
    {
        if (IsValidKey(key))
            return key!;
        var builder = new StringBuilder();
        foreach (var rune in (key ?? "").EnumerateRunes())
            builder.Append(IsAllowed(rune) ? rune.ToString() : "_");
        var segments = builder.ToString()
            .Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(segment => segment is "." or ".." ? "_" : segment);
        var sanitized = string.Join('/', segments);
        if (sanitized.Length == 0)
            sanitized = "_";
        if (sanitized.Length > MaxKeyLength)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key ?? "")))[..8];
            sanitized = sanitized[..(MaxKeyLength - 9)].TrimEnd('/') + "_" + hash;
        }
        return sanitized;
    }

    // Python's \w on str: letters and numbers of any script, and '_'.
    private static bool IsAllowed(Rune rune) =>
        Rune.IsLetterOrDigit(rune) || Rune.IsNumber(rune) || rune.Value is '_' or '-' or '.' or ' ' or '/';

    /// <summary>posixpath.normpath, which MLflow uses to reject keys that name another file.</summary>
    internal static string PosixNormalize(string path)
    {
        if (path.Length == 0)
            return ".";
        var initialSlashes = path.StartsWith('/') ? (path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("///", StringComparison.Ordinal) ? 2 : 1) : 0;
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
                continue;
            if (part != ".." || (initialSlashes == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
                parts.Add(part);
            else if (parts.Count > 0)
                parts.RemoveAt(parts.Count - 1);
        }
        var joined = new string('/', initialSlashes) + string.Join('/', parts);
        return joined.Length == 0 ? "." : joined;
    }

    /// <summary>
    /// Splits a batch into what MLflow will accept and what it would refuse (bad keys, values over the limits,
    /// a param key sent twice with different values), so one bad entity never costs the others.
    /// </summary>
    internal static (List<Metric> Metrics, List<Param> Parameters, List<RunTag> Tags, List<RejectedEntity> Rejected) Partition(
        IReadOnlyList<Metric> metrics, IReadOnlyList<Param> parameters, IReadOnlyList<RunTag> tags)
    {
        var rejected = new List<RejectedEntity>();
        var goodMetrics = new List<Metric>(metrics.Count);
        foreach (var metric in metrics)
        {
            if (KeyProblem(metric.Key) is { } problem)
                rejected.Add(new RejectedEntity("metric", metric.Key, $"Invalid metric key '{metric.Key}': {problem}."));
            else if (metric.TimestampMs < 0)
                rejected.Add(new RejectedEntity("metric", metric.Key, $"Metric '{metric.Key}' has timestamp {metric.TimestampMs}; it must be a nonnegative number of milliseconds."));
            else
                goodMetrics.Add(metric);
        }
        var goodParams = new List<Param>(parameters.Count);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var param in parameters)
        {
            if (KeyProblem(param.Key) is { } problem)
                rejected.Add(new RejectedEntity("param", param.Key, $"Invalid param key '{param.Key}': {problem}."));
            else if (param.Value.Length > MaxParamValueLength)
                rejected.Add(new RejectedEntity("param", param.Key, $"Param '{param.Key}' has a value of {param.Value.Length} characters; MLflow allows {MaxParamValueLength}."));
            else if (seen.TryGetValue(param.Key, out var earlier))
            {
                if (earlier != param.Value)
                    rejected.Add(new RejectedEntity("param", param.Key, $"Param '{param.Key}' appears twice in one batch with different values ('{earlier}', then '{param.Value}'); params cannot change."));
            }
            else
            {
                seen[param.Key] = param.Value;
                goodParams.Add(param);
            }
        }
        var goodTags = new List<RunTag>(tags.Count);
        foreach (var tag in tags)
        {
            if (KeyProblem(tag.Key) is { } problem)
                rejected.Add(new RejectedEntity("tag", tag.Key, $"Invalid tag key '{tag.Key}': {problem}."));
            else if (tag.Value.Length > MaxTagValueLength)
                rejected.Add(new RejectedEntity("tag", tag.Key, $"Tag '{tag.Key}' has a value of {tag.Value.Length} characters; the limit is {MaxTagValueLength}."));
            else
                goodTags.Add(tag);
        }
        return (goodMetrics, goodParams, goodTags, rejected);
    }

    /// <summary>A dataset input within MLflow's limits (name, digest, source, context), as both local stores check it; else INVALID_PARAMETER_VALUE.</summary>
    internal static void ValidateDataset(DatasetInput dataset)
    {
        static TrackingException Invalid(string message) => new(message, "INVALID_PARAMETER_VALUE", 400);
        if (dataset.Name.Length > MaxDatasetNameLength)
            throw Invalid($"Dataset name '{dataset.Name[..50]}...' has {dataset.Name.Length} characters; MLflow allows {MaxDatasetNameLength}.");
        if (dataset.Digest.Length > MaxDatasetDigestLength)
            throw Invalid($"Dataset digest '{dataset.Digest}' has {dataset.Digest.Length} characters; MLflow allows {MaxDatasetDigestLength}.");
        if (dataset.Source.Length > MaxDatasetSourceLength)
            throw Invalid($"Dataset source of '{dataset.Name}' has {dataset.Source.Length} characters; MLflow allows {MaxDatasetSourceLength}.");
        if (dataset.Context is { Length: > MaxInputTagValueLength })
            throw Invalid($"Dataset context of '{dataset.Name}' has {dataset.Context.Length} characters; MLflow allows {MaxInputTagValueLength}.");
    }
}
