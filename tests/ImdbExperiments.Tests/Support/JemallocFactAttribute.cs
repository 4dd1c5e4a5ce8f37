using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Support;

/// <summary>A fact about imdbx under jemalloc, skipped with a reason where jemalloc is not installed (or not Linux).</summary>
public sealed class JemallocFactAttribute : FactAttribute
{
    public JemallocFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "jemalloc is preloaded on Linux only";
        else if (JemallocPreload.FindLibrary() is null)
            Skip = "jemalloc is not installed (Debian: apt-get install libjemalloc2; .ci/run installs it)";
    }
}
