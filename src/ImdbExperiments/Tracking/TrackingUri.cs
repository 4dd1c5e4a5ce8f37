namespace ImdbExperiments.Tracking;

/// <summary>
/// Which backend a run logs to: the spec's <c>tracking.uri</c>, else MLFLOW_TRACKING_URI, else
/// <see cref="Default"/> (the rule is <see cref="TrackingTarget"/>). <c>file:</c> URIs and plain paths open MLflow's file store; <c>http(s)://</c> an MLflow server.
/// </summary>
public static class TrackingUri
{
    /// <summary>The store when neither the spec nor MLFLOW_TRACKING_URI names one; the only place the default is spelled.</summary>
    public const string Default = "file:./mlruns";
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
        return new MlflowFileStore(MlflowFileStore.FileUriToPath(Normalize(uri))!);
    }

    /// <summary>The URI without user name and password, fit for messages and files.</summary>
    public static string Redact(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.UserInfo))
            return uri;
        return new UriBuilder(parsed) { UserName = "", Password = "" }.Uri.ToString();
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
            "or file:<path> for MLflow's file store.", nameof(uri));

    private static bool IsTrue(string? value) => value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
}
