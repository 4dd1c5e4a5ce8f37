namespace ImdbExperiments.Tests.Support;

/// <summary>A fact about Unix files (devices, permissions), skipped with a reason on Windows.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs a Unix file system";
        }
    }
}
