using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>
/// Settings for <see cref="HubClient"/>. <see cref="FromEnvironment()"/> reads the same variables, with the same
/// precedence and truthy values, as Python's huggingface_hub, so both share one cache and one token.
/// </summary>
public sealed partial record HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub cache folder holding models--org--name/{blobs,refs,snapshots} (HF_HUB_CACHE).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Base URL of the Hub or a mirror, without trailing slash (HF_ENDPOINT).</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Access token sent as a Bearer token to the endpoint only. Never printed: see <see cref="ToString"/>.</summary>
    public string? Token { get; init; }

    /// <summary>Where the token came from ("HF_TOKEN", a token file path), so messages can point at it without showing it.</summary>
    public string? TokenSource { get; init; }

    /// <summary>Never touch the network; serve from the cache or fail (HF_HUB_OFFLINE).</summary>
    public bool Offline { get; init; }

    /// <summary>Copy blobs into snapshots instead of symlinking them (HF_HUB_DISABLE_SYMLINKS).</summary>
    public bool DisableSymlinks { get; init; }

    /// <summary>Check downloads against the ETag: SHA-256 for LFS files, git blob SHA-1 for small files.</summary>
    public bool VerifyIntegrity { get; init; } = true;

    /// <summary>Limit for one metadata (HEAD) request (HF_HUB_ETAG_TIMEOUT).</summary>
    public TimeSpan MetadataTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limit for the wait on any single read of a download body (HF_HUB_DOWNLOAD_TIMEOUT).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a 5xx, 429, 408, timeout or dropped connection; 0 disables retrying.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>First backoff delay; doubles per retry up to <see cref="RetryMaxDelay"/> (huggingface_hub: 1 s to 8 s).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Options from the process environment.</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Options from an environment given as a lookup (tests pass a dictionary instead of mutating the process).
    /// Reads HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, HOME, HF_ENDPOINT, HF_HUB_OFFLINE,
    /// TRANSFORMERS_OFFLINE, HF_TOKEN, HUGGING_FACE_HUB_TOKEN, HF_TOKEN_PATH, HF_HUB_DISABLE_IMPLICIT_TOKEN,
    /// HF_HUB_DISABLE_SYMLINKS, HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT.
    /// </summary>
    public static HubOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        // huggingface_hub keeps empty values as empty paths; an empty variable here means "unset", which is what users intend.
        string? Get(string name) => getVariable(name) is { Length: > 0 } value ? value : null;

        var home = Get("HOME") ?? Get("USERPROFILE") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Expand(string path) => ExpandVariables(ExpandUser(path, home), getVariable);

        var hfHome = Expand(Get("HF_HOME") ?? Path.Join(Get("XDG_CACHE_HOME") ?? Path.Join(home, ".cache"), "huggingface"));
        var cache = Expand(Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Join(hfHome, "hub"));

        string? token = null, tokenSource = null;
        if (!IsTrue(getVariable("HF_HUB_DISABLE_IMPLICIT_TOKEN")))
        {
            (token, tokenSource) = CleanToken(Get("HF_TOKEN")) is { } fromHfToken ? (fromHfToken, "HF_TOKEN") :
                CleanToken(Get("HUGGING_FACE_HUB_TOKEN")) is { } fromLegacy ? (fromLegacy, "HUGGING_FACE_HUB_TOKEN") :
                ReadTokenFile(Expand(Get("HF_TOKEN_PATH") ?? Path.Join(hfHome, "token")));
        }

        return new HubOptions
        {
            CacheDirectory = Path.GetFullPath(cache),
            Endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/'),
            Token = token,
            TokenSource = tokenSource,
            // Python: _is_true(HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE): an empty first value falls through to the second.
            Offline = IsTrue(Get("HF_HUB_OFFLINE") ?? getVariable("TRANSFORMERS_OFFLINE")),
            DisableSymlinks = IsTrue(getVariable("HF_HUB_DISABLE_SYMLINKS")),
            MetadataTimeout = Seconds("HF_HUB_ETAG_TIMEOUT", Get("HF_HUB_ETAG_TIMEOUT"), 10),
            ReadTimeout = Seconds("HF_HUB_DOWNLOAD_TIMEOUT", Get("HF_HUB_DOWNLOAD_TIMEOUT"), 10),
        };
    }

    /// <summary>huggingface_hub's truthy values: 1, ON, YES, TRUE in any case; anything else is false.</summary>
    public static bool IsTrue(string? value) =>
        value is not null && value.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    public override string ToString()
    {
        var text = new StringBuilder("HubOptions { ");
        text.Append(CultureInfo.InvariantCulture, $"CacheDirectory = {CacheDirectory}, Endpoint = {Endpoint}, ");
        text.Append(Token is null ? "Token = (none), " : $"Token = (set, from {TokenSource ?? "options"}), ");
        text.Append(CultureInfo.InvariantCulture, $"Offline = {Offline}, DisableSymlinks = {DisableSymlinks}, VerifyIntegrity = {VerifyIntegrity}, ");
        text.Append(CultureInfo.InvariantCulture, $"MetadataTimeout = {MetadataTimeout}, ReadTimeout = {ReadTimeout}, ");
        text.Append(CultureInfo.InvariantCulture, $"MaxRetries = {MaxRetries}, RetryBaseDelay = {RetryBaseDelay}, RetryMaxDelay = {RetryMaxDelay} }}");
        return text.ToString();
    }

    private static (string? Token, string? Source) ReadTokenFile(string path)
    {
        try
        {
            return CleanToken(File.ReadAllText(path)) is { } token ? (token, path) : (null, null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (null, null);
        }
    }

    private static string? CleanToken(string? token) =>
        token?.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim() is { Length: > 0 } clean ? clean : null;

    private static TimeSpan Seconds(string name, string? value, int fallback)
    {
        if (value is null)
            return TimeSpan.FromSeconds(fallback);
        if (!int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            throw new ArgumentException($"Environment variable {name}='{value}' is not a whole number of seconds (0 or unset means {fallback}).");
        // Python reads it as `int(value) or default`, so 0 means the default.
        return TimeSpan.FromSeconds(seconds == 0 ? fallback : seconds);
    }

    // os.path.expanduser: a leading "~" or "~/" (or "~\") is the home folder; "~user" is left alone.
    private static string ExpandUser(string path, string home) =>
        path == "~" ? home :
        path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Join(home, path[2..]) :
        path;

    // os.path.expandvars on POSIX: $NAME and ${NAME}; unknown variables stay as written.
    private static string ExpandVariables(string path, Func<string, string?> getVariable) =>
        !path.Contains('$', StringComparison.Ordinal) ? path :
        VariablePattern().Replace(path, match =>
        {
            var name = match.Groups["plain"].Success ? match.Groups["plain"].Value : match.Groups["braced"].Value;
            return getVariable(name) ?? match.Value;
        });

    [GeneratedRegex(@"\$(?:(?<plain>[A-Za-z0-9_]+)|\{(?<braced>[^}]*)\})")]
    private static partial Regex VariablePattern();
}
