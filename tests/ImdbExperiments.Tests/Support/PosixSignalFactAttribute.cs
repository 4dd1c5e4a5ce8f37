namespace ImdbExperiments.Tests.Support;

/// <summary>A fact that sends POSIX signals to a child process with kill(1); skipped, with the reason, where that cannot be done.</summary>
public sealed class PosixSignalFactAttribute : FactAttribute
{
    public PosixSignalFactAttribute()
    {
        if (OperatingSystem.IsWindows())
            Skip = "needs POSIX signals: Windows has no SIGINT to send to another process";
        else if (!new[] { "/bin/kill", "/usr/bin/kill" }.Any(File.Exists))
            Skip = "needs kill(1) to send SIGINT (procps); not found in /bin or /usr/bin";
    }
}
