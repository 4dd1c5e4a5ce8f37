namespace ImdbExperiments.Tracking;

/// <summary>
/// A run artifact URI that is a path this machine can write (<c>/x</c>, <c>file:///x</c>): what a server started with
/// <c>--no-serve-artifacts --default-artifact-root &lt;shared path&gt;</c> hands out. MLflow's own client writes there
/// directly (mlflow/store/artifact/local_artifact_repo.py); so do we, each file copied to a temporary name and renamed.
/// </summary>
internal static class LocalArtifactRoot
{
    /// <summary>The local folder of <paramref name="artifactUri"/>, or null when it is not a local path.</summary>
    public static string? Resolve(string artifactUri)
    {
        if (artifactUri.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
            return MlflowFileStore.FileUriToPath(artifactUri);
        // A bare absolute path, as MLflow resolves a scheme-less artifact root.
        return artifactUri.StartsWith('/') && !artifactUri.StartsWith("//", StringComparison.Ordinal) ? Path.GetFullPath(artifactUri) : null;
    }

    /// <summary>Copies a file to <c>root/artifactPath/name</c> or a folder's files under <c>root/artifactPath</c>.</summary>
    public static void Copy(string root, string localPath, string? artifactPath, CancellationToken cancellationToken)
    {
        var relative = string.IsNullOrEmpty(artifactPath) ? "." : MlflowLimits.PosixNormalize(artifactPath.Replace('\\', '/').Trim('/'));
        if (relative.StartsWith("..", StringComparison.Ordinal) || relative.StartsWith('/'))
            throw new TrackingException($"Artifact path '{artifactPath}' must stay inside the run's artifact folder '{root}'.", "INVALID_PARAMETER_VALUE");
        var destination = relative == "." ? root : Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
        try
        {
            if (File.Exists(localPath))
            {
                CopyFile(localPath, Path.Combine(destination, Path.GetFileName(localPath)));
            }
            else if (Directory.Exists(localPath))
            {
                foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    CopyFile(file, Path.Combine(destination, Path.GetRelativePath(localPath, file)));
                }
            }
            else
            {
                throw new TrackingException($"Artifact '{localPath}' does not exist (it must stay in place until the run is synced).", "RESOURCE_DOES_NOT_EXIST");
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not reachable from here (not mounted, no permission): keep it pending rather than drop it.
            throw new TrackingException($"The run's artifact folder '{root}' cannot be written from this machine ({exception.Message}); " +
                "mount it here, or start the server with --serve-artifacts --artifacts-destination <that folder>. The artifacts stay pending for Sync.",
                DeferredArtifacts.UnreachableErrorCode, innerException: exception);
        }
    }

    private static void CopyFile(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        var temporary = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        File.Copy(source, temporary);
        File.Move(temporary, destination, overwrite: true);
    }
}
