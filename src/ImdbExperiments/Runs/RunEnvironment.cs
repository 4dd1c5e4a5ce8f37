using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ImdbExperiments.Stages;
using TorchSharp;

namespace ImdbExperiments.Runs;

/// <summary>What a run records about where it ran, so two runs that differ can be told apart: code, packages, machine.</summary>
public static class RunEnvironment
{
    public static JsonObject Capture(string workingDirectory, string device, int threads)
    {
        var (commit, dirty) = GitState(workingDirectory);
        return new JsonObject
        {
            ["git_commit"] = commit,
            ["git_dirty"] = dirty,
            ["imdbx"] = ToolVersions.Current()["imdbx"],
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["torchsharp"] = TorchSharpVersion(),
            ["libtorch"] = LibTorchVersion(),
            ["device"] = device,
            ["threads"] = threads,
            ["host"] = Environment.MachineName,
            ["processors"] = Environment.ProcessorCount,
            ["malloc"] = Training.NativeMemory.Name(Training.NativeMemory.Policy),
            ["gemm"] = Modeling.GemmSelection.Current.ToJson(),
        };
    }

    public static string? TorchSharpVersion() =>
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(torch).Assembly.GetName().Version?.ToString();

    public static string? LibTorchVersion()
    {
        try { return torch.__version__; }
        catch (Exception e) when (e is NotSupportedException or TypeInitializationException or InvalidOperationException) { return null; }
    }

    /// <summary>HEAD's commit; null outside a git checkout or without git.</summary>
    public static string? GitCommit(string workingDirectory) => GitState(workingDirectory).Commit;

    /// <summary>HEAD's commit and whether the work tree has changes; nulls outside a git checkout or without git.</summary>
    static (string? Commit, bool? Dirty) GitState(string workingDirectory)
    {
        var commit = Git(workingDirectory, "rev-parse", "HEAD")?.Trim();
        if (string.IsNullOrEmpty(commit)) return (null, null);
        var status = Git(workingDirectory, "status", "--porcelain", "--untracked-files=no");
        return (commit, status is null ? null : status.Length > 0);
    }

    static string? Git(string workingDirectory, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
