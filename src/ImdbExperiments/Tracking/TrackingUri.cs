namespace ImdbExperiments.Tracking;

/// <summary>
/// Which backend a run logs to: the spec's <c>tracking.uri</c>, else MLFLOW_TRACKING_URI, else
/// <c>sqlite:///mlflow.db</c> (<see cref="Default"/>, MLflow's own default since 3.7; the rule is <see cref="TrackingTarget"/>).
/// <c>sqlite:</c> URIs open MLflow's SQL store in that file; <c>file:</c> URIs and plain paths MLflow's file store (for MLflow
/// before 3.7); <c>http(s)://</c> an MLflow server.
/// </summary>
public static class TrackingUri
{
    /// <summary>The store when neither the spec nor MLFLOW_TRACKING_URI names one; the only place the default is spelled.</summary>
    public const string Default = "sqlite:///mlflow.db";
    public const string EnvironmentVariable = "MLFLOW_TRACKING_URI";
    public const string InsecureTlsVariable = "MLFLOW_TRACKING_INSECURE_TLS";

    public static string Resolve(string? specUri, Func<string, string?>? getEnvironmentVariable = null)
    {
        if (!string.IsNullOrWhiteSpace(specUri))
            return specUri.Trim();
        var fromEnvironment = (getEnvironmentVariable ?? Environment.GetEnvironmentVariable)(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? Default : fromEnvironment.Trim();
    }

    /// <summary>
    /// The URI as it is stored with a run: file URIs made absolute (relative to <paramref name="baseDirectory"/>,
    /// default the current directory) so a later Sync from elsewhere finds the same store; user info removed.
    /// </summary>
    public static string Normalize(string uri, string? baseDirectory = null)
    {
        if (IsHttp(uri))
            return Redact(uri);
        if (MlflowSqliteUri.IsSqlite(uri))
            return MlflowSqliteUri.FromPath(MlflowSqliteUri.ToPath(uri, baseDirectory));
        var scheme = Scheme(uri);
        if (scheme is not null && !scheme.Equals("file", StringComparison.OrdinalIgnoreCase))
            throw Unsupported(uri);
        var path = scheme is null ? uri : FileUriPath(uri);
        var absolute = Path.GetFullPath(Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path));
        return MlflowFileStore.ToFileUri(absolute);
    }

    /// <summary>Opens the backend a (normalized or not) URI names.</summary>
    public static ITrackingBackend OpenBackend(string uri, Func<string, string?>? getEnvironmentVariable = null, MlflowRestClientOptions? restOptions = null)
    {
        var environment = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        if (IsHttp(uri))
        {
            var options = restOptions ?? new MlflowRestClientOptions();
            if (options.InsecureTls is null)
                options = options with { InsecureTls = IsTrue(environment(InsecureTlsVariable)) };
            var credentials = MlflowCredentials.FromEnvironment(environment) ?? CredentialsFromUserInfo(uri);
            return new MlflowRestClient(uri, credentials, options);
        }
        if (MlflowSqliteUri.IsSqlite(uri))
            return new MlflowSqliteStore(MlflowSqliteUri.ToPath(uri));
        return new MlflowFileStore(MlflowFileStore.FileUriToPath(Normalize(uri))!);
    }

    /// <summary>
    /// The URI without user name and password and with secret query values (token=, password=, ...) as "***", fit for messages
    /// and files. Textual, so a URI without secrets comes back unchanged and one with them differs only where they were.
    /// </summary>
    public static string Redact(string uri)
    {
        var text = uri;
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var authority = schemeEnd + 3;
            var authorityEnd = text.IndexOfAny(['/', '?', '#'], authority);
            authorityEnd = authorityEnd < 0 ? text.Length : authorityEnd;
            var at = text.LastIndexOf('@', authorityEnd - 1, authorityEnd - authority);
            if (at >= 0)
                text = text[..authority] + text[(at + 1)..];
        }
        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
            return text;
        var fragment = text.IndexOf('#', query);
        var end = fragment < 0 ? text.Length : fragment;
        var parts = text[(query + 1)..end].Split('&').Select(part =>
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            return equals > 0 && IsSecretName(Uri.UnescapeDataString(part[..equals])) ? part[..(equals + 1)] + "***" : part;
        });
        return text[..(query + 1)] + string.Join('&', parts) + text[end..];
    }

    private static readonly string[] SecretNameParts = ["token", "password", "passwd", "secret", "apikey", "api_key", "api-key", "credential", "signature"];

    private static bool IsSecretName(string name)
    {
        var lower = name.ToLowerInvariant();
        return lower is "pwd" or "pass" or "key" or "sig" or "auth" or "authorization" or "code" ||
            SecretNameParts.Any(part => lower.Contains(part, StringComparison.Ordinal));
    }

    public static bool IsHttp(string uri) =>
        uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static MlflowCredentials? CredentialsFromUserInfo(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.UserInfo))
            return null;
        var parts = parsed.UserInfo.Split(':', 2);
        return parts.Length == 2 ? MlflowCredentials.Basic(Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[1])) : null;
    }

    private static string? Scheme(string uri)
    {
        var colon = uri.IndexOf(':');
        // A one-letter "scheme" is a Windows drive.
        return colon > 1 && uri[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.') ? uri[..colon] : null;
    }

    private static string FileUriPath(string uri)
    {
        var rest = uri[5..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
            return MlflowFileStore.FileUriToPath(uri) ?? throw new ArgumentException($"Tracking URI '{uri}' names a file on another host; use a local path.", nameof(uri));
        return Uri.UnescapeDataString(rest);
    }

    private static ArgumentException Unsupported(string uri) =>
        new($"Tracking URI '{Redact(uri)}' is not supported: use http(s)://<host>:<port> for an MLflow server (which may sit in front of a database), " +
            "sqlite:///<path>.db for MLflow's SQL store in a file, or file:<path> for MLflow's file store.", nameof(uri));

    private static bool IsTrue(string? value) => value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
}
