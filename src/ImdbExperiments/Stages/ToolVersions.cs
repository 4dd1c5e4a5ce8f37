using System.Reflection;
using System.Runtime.InteropServices;

namespace ImdbExperiments.Stages;

/// <summary>The versions recorded in every manifest, so two outputs can be told apart months later.</summary>
public static class ToolVersions
{
    public static IReadOnlyDictionary<string, string> Current() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["imdbx"] = typeof(ToolVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown",
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
        ["arch"] = RuntimeInformation.ProcessArchitecture.ToString(),
    };
}
