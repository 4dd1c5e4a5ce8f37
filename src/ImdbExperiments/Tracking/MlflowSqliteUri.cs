namespace ImdbExperiments.Tracking;

/// <summary>
/// sqlite: tracking URIs as MLflow reads them (SQLAlchemy's URL rules): <c>sqlite:///mlflow.db</c> is relative to
/// the current directory, <c>sqlite:////abs/path.db</c> absolute (three slashes, then the path). The path is
/// percent-decoded as SQLAlchemy decodes a URL's database part. In-memory databases, hosts and query options are
/// refused: a run must land in a file that <c>mlflow ui</c> can open.
/// </summary>
public static class MlflowSqliteUri
{
    public const string Scheme = "sqlite";

    public static bool IsSqlite(string uri) => uri.StartsWith(Scheme + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>The absolute path of the database file a sqlite: URI names.</summary>
    /// <exception cref="ArgumentException">Not a file-backed sqlite:/// URI; the message names the URI and what is allowed.</exception>
    public static string ToPath(string uri, string? baseDirectory = null)
    {
        if (!IsSqlite(uri))
            throw Invalid(uri, "it does not start with sqlite:");
        var rest = uri[(Scheme.Length + 1)..];
        if (!rest.StartsWith("///", StringComparison.Ordinal))
            throw Invalid(uri, rest.StartsWith("//", StringComparison.Ordinal) && rest.Length > 2 && rest[2] != '/'
                ? "SQLite URIs name no host"
                : "a database file is needed");
        if (rest.Contains('?') || rest.Contains('#'))
            throw Invalid(uri, "query options are not supported");
        var path = Uri.UnescapeDataString(rest[3..]);
        if (path.Length == 0 || path == ":memory:")
            throw Invalid(uri, "an in-memory database keeps nothing for mlflow ui");
        if (path.Contains('\0'))
            throw Invalid(uri, "the path has a NUL character");
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), path));
    }

    /// <summary>sqlite:/// followed by the absolute path: sqlite:////abs/mlflow.db (sqlite:///C:/x.db on Windows).</summary>
    public static string FromPath(string path)
    {
        var full = Path.GetFullPath(path).Replace('\\', '/');
        var escaped = string.Join('/', full.Split('/').Select(segment => Uri.EscapeDataString(segment).Replace("%3A", ":", StringComparison.Ordinal)));
        return Scheme + ":///" + escaped;
    }

    /// <summary>The URI with any user information before the host removed (SQLite URIs carry none, but a mistyped one might).</summary>
    public static string Redact(string uri)
    {
        if (!IsSqlite(uri) || !uri[(Scheme.Length + 1)..].StartsWith("//", StringComparison.Ordinal))
            return uri;
        var authorityStart = Scheme.Length + 3;
        var authorityEnd = uri.IndexOf('/', authorityStart);
        var authority = authorityEnd < 0 ? uri[authorityStart..] : uri[authorityStart..authorityEnd];
        var at = authority.LastIndexOf('@');
        return at < 0 ? uri : uri[..authorityStart] + authority[(at + 1)..] + (authorityEnd < 0 ? "" : uri[authorityEnd..]);
    }

    private static ArgumentException Invalid(string uri, string why) =>
        new($"Tracking URI '{Redact(uri)}' is not a usable SQLite URI ({why}): use sqlite:///<relative path>.db or sqlite:////<absolute path>.db.", nameof(uri));
}
