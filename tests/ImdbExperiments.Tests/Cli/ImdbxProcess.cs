using System.Diagnostics;

namespace ImdbExperiments.Tests.Cli;

/// <summary>Runs the built imdbx (from the test's output folder) as a separate process.</summary>
static class ImdbxProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "imdbx.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        info.Environment.Remove("IMDB_ARCHIVE");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
