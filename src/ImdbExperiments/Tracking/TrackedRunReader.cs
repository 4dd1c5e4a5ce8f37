namespace ImdbExperiments.Tracking;

/// <summary>Reads the runs of one MLflow experiment back from where they were tracked: an SQLite database, a file store or an MLflow server.</summary>
public static class TrackedRunReader
{
    /// <summary>
    /// Every active run of the experiment, oldest first, with params, tags, latest metrics and metric histories.
    /// </summary>
    /// <param name="trackingUri">As for training (sqlite:///..., file:..., a path, or http(s)://); null resolves MLFLOW_TRACKING_URI, then sqlite:///mlflow.db.</param>
    /// <param name="baseDirectory">Base of a relative sqlite: or file: URI (default: the current directory).</param>
    /// <param name="getEnvironmentVariable">For MLFLOW_TRACKING_URI and the MLflow credential variables (default: the process environment).</param>
    /// <exception cref="TrackingException">The store or the experiment does not exist, or the server refuses.</exception>
    public static async Task<IReadOnlyList<RunRecord>> ReadRunsAsync(
        string? trackingUri,
        string experimentName,
        string? baseDirectory = null,
        Func<string, string?>? getEnvironmentVariable = null,
        MlflowRestClientOptions? restOptions = null,
        CancellationToken cancellationToken = default)
    {
        var environment = getEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        var uri = TrackingUri.Normalize(TrackingUri.Resolve(trackingUri, environment), baseDirectory);
        if (MlflowSqliteUri.IsSqlite(uri))
        {
            return ReadSqlite(MlflowSqliteUri.ToPath(uri), experimentName, cancellationToken);
        }

        if (!TrackingUri.IsHttp(uri))
        {
            return ReadFileStore(MlflowFileStore.FileUriToPath(uri)!, experimentName, cancellationToken);
        }

        // The same backend choice as logging (credentials, TLS setting): TrackingUri.OpenBackend is the one place it is made.
        using var client = (MlflowRestClient)TrackingUri.OpenBackend(uri, environment, restOptions);
        return await MlflowRestRunReader.ReadAsync(client, experimentName, cancellationToken);
    }

    /// <summary>The runs of an experiment in an MLflow SQLite database, read as MLflow's SqlAlchemyStore reads it.</summary>
    public static IReadOnlyList<RunRecord> ReadSqlite(string databasePath, string experimentName, CancellationToken cancellationToken = default) =>
        MlflowSqliteRunReader.Read(Path.GetFullPath(databasePath), experimentName, cancellationToken);

    /// <summary>The runs of an experiment in an mlruns folder, read as MLflow's FileStore reads it.</summary>
    public static IReadOnlyList<RunRecord> ReadFileStore(string mlrunsFolder, string experimentName, CancellationToken cancellationToken = default) =>
        MlflowFileStoreRunReader.Read(Path.GetFullPath(mlrunsFolder), experimentName, cancellationToken);
}
