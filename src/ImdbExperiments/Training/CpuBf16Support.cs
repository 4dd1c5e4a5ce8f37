namespace ImdbExperiments.Training;

/// <summary>
/// Whether this CPU has bf16 dot-product instructions (the /proc/cpuinfo flags <c>avx512_bf16</c> or <c>amx_bf16</c>), the ones
/// oneDNN's bf16 GEMMs use; without them libtorch converts bf16 to fp32 around each product, which is slower than fp32.
/// </summary>
public static class CpuBf16Support
{
    public const string CpuInfoPath = "/proc/cpuinfo";

    /// <summary>The flags that mean native bf16 matrix products.</summary>
    public static readonly IReadOnlyList<string> Flags = ["avx512_bf16", "amx_bf16"];

    // A 512-core machine's cpuinfo is under 1 MB; anything larger is not the kernel's file.
    const int MaxCpuInfoChars = 4 << 20;

    static readonly Lazy<string?> Detected = new(() => FlagIn(ReadCpuInfo()));

    /// <summary>The first of <see cref="Flags"/> this machine's CPU has; null when it has none or there is no readable /proc/cpuinfo.</summary>
    public static string? Detect() => Detected.Value;

    /// <summary>The first of <see cref="Flags"/> on a "flags" line of a /proc/cpuinfo text; null when none is.</summary>
    public static string? FlagIn(string? cpuinfo)
    {
        if (cpuinfo is null)
            return null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0 || line[..colon].Trim() != "flags")
                continue;
            var present = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (Flags.FirstOrDefault(present.Contains) is { } flag)
                return flag;
        }
        return null;
    }

    static string? ReadCpuInfo()
    {
        try
        {
            using var reader = new StreamReader(CpuInfoPath);
            var buffer = new char[MaxCpuInfoChars];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            return new string(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
