using System.Text;

namespace ImdbExperiments.Tracking;

/// <summary>Keeps tracking credentials out of everything the tracker writes or sends.</summary>
internal static class SecretScanner
{
    public const string Mask = "***";

    /// <summary>The text with every secret replaced by <see cref="Mask"/>.</summary>
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length > 0)
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>True when the file's bytes contain a secret in UTF-8.</summary>
    public static bool Contains(string file, IReadOnlyList<string> secrets)
    {
        var needles = secrets.Where(secret => secret.Length > 0).Select(Encoding.UTF8.GetBytes).ToList();
        if (needles.Count == 0)
            return false;
        var overlap = needles.Max(needle => needle.Length) - 1;
        var buffer = new byte[(1 << 20) + overlap];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var carried = 0;
        int read;
        while ((read = stream.Read(buffer, carried, buffer.Length - carried)) > 0)
        {
            var window = buffer.AsSpan(0, carried + read);
            foreach (var needle in needles)
            {
                if (window.IndexOf(needle) >= 0)
                    return true;
            }
            carried = Math.Min(overlap, window.Length);
            window[^carried..].CopyTo(buffer);
        }
        return false;
    }
}
