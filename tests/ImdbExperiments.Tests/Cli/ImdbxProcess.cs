using System.Diagnostics;

namespace ImdbExperiments.Tests.Cli;

/// <summary>Runs the built imdbx (from the test's output folder) as a separate process.</summary>
static class ImdbxProcess
{
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, params string[] arguments) =>
        RunWithInput(workingDirectory, [], arguments);

    /// <summary>Runs imdbx with <paramref name="environment"/> added to its environment.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        RunWithInput(workingDirectory, environment, [], arguments);

    /// <summary>Runs imdbx with <paramref name="input"/> as its standard input.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunWithInput(string workingDirectory, byte[] input, params string[] arguments) =>
        RunWithInput(workingDirectory, new Dictionary<string, string>(), input, arguments);

    static (int ExitCode, string Stdout, string Stderr) RunWithInput(string workingDirectory, IReadOnlyDictionary<string, string> environment, byte[] input, string[] arguments)
    {
        using var process = Start(workingDirectory, environment, arguments);
        process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts imdbx with standard output and error redirected; the caller reads them and waits.</summary>
    public static Process Start(string workingDirectory, params string[] arguments) => Start(workingDirectory, new Dictionary<string, string>(), arguments);

    /// <summary>The same, with <paramref name="environment"/> added to imdbx's environment.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "imdbx.dll"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        info.Environment.Remove("IMDB_ARCHIVE");
        info.Environment.Remove("MLFLOW_TRACKING_URI");
        foreach (var (name, value) in environment)
            info.Environment[name] = value;
        return Process.Start(info)!;
    }
}
