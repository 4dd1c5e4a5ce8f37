using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ImdbExperiments.Modeling.Hub;

/// <summary>What a Hub ETag promises about the bytes: LFS files carry their SHA-256, git-stored files their git blob SHA-1.</summary>
internal static partial class BlobIntegrity
{
    /// <summary>The hash of the file in the form the ETag uses, or null when the ETag is not a recognised hash.</summary>
    public static async Task<string?> ComputeMatchingHashAsync(string path, string etag, CancellationToken cancellationToken)
    {
        if (Sha256Pattern().IsMatch(etag))
            return await HashAsync(path, HashAlgorithmName.SHA256, gitBlobHeader: false, cancellationToken).ConfigureAwait(false);
        if (Sha1Pattern().IsMatch(etag))
            return await HashAsync(path, HashAlgorithmName.SHA1, gitBlobHeader: true, cancellationToken).ConfigureAwait(false);
        return null;
    }

    public static string Describe(string etag) => Sha256Pattern().IsMatch(etag) ? "SHA-256" : "git blob SHA-1";

    private static async Task<string> HashAsync(string path, HashAlgorithmName algorithm, bool gitBlobHeader, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        if (gitBlobHeader)
            hash.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {stream.Length}\0")));
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex Sha1Pattern();
}
