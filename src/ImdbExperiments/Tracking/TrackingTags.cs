namespace ImdbExperiments.Tracking;

/// <summary>MLflow's system tags (mlflow/utils/mlflow_tags.py) and the few of ours the tracker itself sets.</summary>
public static class TrackingTags
{
    public const string RunName = "mlflow.runName";
    public const string User = "mlflow.user";
    public const string SourceName = "mlflow.source.name";
    public const string SourceType = "mlflow.source.type";
    public const string GitCommit = "mlflow.source.git.commit";
    public const string ParentRunId = "mlflow.parentRunId";

    /// <summary>The run's description as MLflow's UI shows and edits it (mlflow/utils/mlflow_tags.py MLFLOW_RUN_NOTE).</summary>
    public const string Note = "mlflow.note.content";

    /// <summary>Input tag of a dataset: train, validation or test.</summary>
    public const string DatasetContext = "mlflow.data.context";

    /// <summary>Our journal's id for the run: lets a replay find a run it created before a crash instead of creating a second one.</summary>
    public const string JournalRunKey = "imdbx.journal.run_key";

    /// <summary>The exception of a FAILED run (type, message and stack, cut to MLflow's tag limit).</summary>
    public const string Error = "imdbx.error";

    /// <summary>
    /// The system tags MLflow's own clients set: user, source name, source type (LOCAL) and, when known, the git commit.
    /// </summary>
    public static IReadOnlyDictionary<string, string> System(string sourceName, string? gitCommit = null, string? user = null)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [User] = user ?? Environment.UserName,
            [SourceName] = sourceName,
            [SourceType] = "LOCAL",
        };
        if (!string.IsNullOrEmpty(gitCommit))
            tags[GitCommit] = gitCommit;
        return tags;
    }
}
