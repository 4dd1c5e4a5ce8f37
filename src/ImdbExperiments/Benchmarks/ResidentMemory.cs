using System.Globalization;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// The process's peak resident set size (Linux's VmHWM), and resetting it so that one measurement's peak can be read:
/// writing "5" to /proc/self/clear_refs. Elsewhere (no /proc) both report that they cannot.
/// </summary>
public static class ResidentMemory
{
    const string StatusPath = "/proc/self/status";
    const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>Resets the peak to the current resident size; false where that is not possible.</summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText(ClearRefsPath, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The peak resident size in bytes since the process started or the last <see cref="ResetPeak"/>; null without /proc.</summary>
    public static long? PeakBytes()
    {
        try
        {
            return ParsePeakBytes(File.ReadAllText(StatusPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The resident size in bytes now (VmRSS); null without /proc.</summary>
    public static long? CurrentBytes()
    {
        try
        {
            return ParseStatusBytes(File.ReadAllText(StatusPath), "VmRSS:");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>VmHWM of a /proc/[pid]/status text ("VmHWM:\t  123456 kB") in bytes; null when the line is missing or malformed.</summary>
    public static long? ParsePeakBytes(string status) => ParseStatusBytes(status, "VmHWM:");

    /// <summary>A "Field:\t  123456 kB" line of a /proc/[pid]/status text in bytes; null when missing or malformed.</summary>
    public static long? ParseStatusBytes(string status, string field)
    {
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal))
                continue;
            var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            return parts is [var number, "kB"] && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kilobytes)
                && kilobytes <= long.MaxValue / 1024
                ? kilobytes * 1024
                : null;
        }
        return null;
    }
}
