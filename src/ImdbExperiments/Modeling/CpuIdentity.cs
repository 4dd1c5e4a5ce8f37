using System.Globalization;

namespace ImdbExperiments.Modeling;

/// <summary>
/// What the CPU is, from /proc/cpuinfo's first processor: vendor ("AuthenticAMD", "GenuineIntel"), family, model and
/// the SIMD flags that decide which GEMM kernels can run. Unknown fields are null (ARM kernels print other keys).
/// </summary>
public sealed record CpuIdentity(string? Vendor, int? Family, int? Model, string? ModelName, IReadOnlySet<string> Flags)
{
    public const string CpuinfoPath = "/proc/cpuinfo";

    /// <summary>Bytes of /proc/cpuinfo read at most: the first processor's block is a few kB even with hundreds of cores.</summary>
    const int MaxCpuinfoChars = 1 << 20;

    public static readonly CpuIdentity Unknown = new(null, null, null, null, new HashSet<string>());

    public bool IsAmd => Vendor == "AuthenticAMD";
    public bool IsIntel => Vendor == "GenuineIntel";

    /// <summary>"AuthenticAMD family 25 model 1 (avx2, no avx512f)", for logs and run records.</summary>
    public string Describe() =>
        $"{Vendor ?? "unknown vendor"} family {Family?.ToString(CultureInfo.InvariantCulture) ?? "?"} model {Model?.ToString(CultureInfo.InvariantCulture) ?? "?"} " +
        $"({string.Join(", ", new[] { "avx2", "avx512f", "avx512_bf16", "amx_bf16" }.Select(f => Flags.Contains(f) ? f : "no " + f))})";

    /// <summary>This machine's CPU; <see cref="Unknown"/> where /proc/cpuinfo cannot be read.</summary>
    public static CpuIdentity Current()
    {
        try
        {
            using var reader = new StreamReader(CpuinfoPath);
            var buffer = new char[MaxCpuinfoChars];
            var read = reader.ReadBlock(buffer, 0, buffer.Length);
            return Parse(new string(buffer, 0, read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return Unknown;
        }
    }

    /// <summary>The first processor block of a /proc/cpuinfo text (up to its first blank line).</summary>
    public static CpuIdentity Parse(string cpuinfo)
    {
        string? vendor = null, modelName = null;
        int? family = null, model = null;
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in cpuinfo.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                if (vendor is not null || flags.Count > 0) break;  // end of the first processor
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "vendor_id": vendor ??= value.Length > 0 ? value : null; break;
                case "cpu family": family ??= Number(value); break;
                case "model": model ??= Number(value); break;
                case "model name": modelName ??= value.Length > 0 ? value : null; break;
                case "flags" when flags.Count == 0:
                    flags.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
            }
        }
        return new CpuIdentity(vendor, family, model, modelName, flags);
    }

    static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
