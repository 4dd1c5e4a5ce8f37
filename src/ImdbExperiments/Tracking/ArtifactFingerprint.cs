using System.Security.Cryptography;
using System.Text;

namespace ImdbExperiments.Tracking;

/// <summary>What an artifact holds, as a SHA-256: a file's bytes, or a folder's relative paths and file bytes; an artifact is logged again only when it changed.</summary>
internal static class ArtifactFingerprint
{
    public static string? Of(string localPath)
    {
        try
        {
            if (File.Exists(localPath))
                return HashFile(localPath);
            if (!Directory.Exists(localPath))
                return null;
            using var folder = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(localPath, file).Replace('\\', '/');
                folder.AppendData(Encoding.UTF8.GetBytes($"{relative}\n{HashFile(file)}\n"));
            }
            return Convert.ToHexStringLower(folder.GetHashAndReset());
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Unreadable now: log it again later rather than never.
            return null;
        }
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
