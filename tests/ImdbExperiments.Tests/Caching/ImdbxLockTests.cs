using System.Diagnostics;
using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Tests.Cli;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Caching;

/// <summary>Stage-cache locks across two real processes: this test process holds a stage's key lock, a child imdbx wants it.</summary>
public sealed class ImdbxLockTests
{
    const string Spec = "data:\n  source: synthetic\n  synthetic:\n    reviews_per_label: 5\nmodel:\n  init: random\n";

    /// <summary>A project whose fetch stage was built once and then removed, so the next fetch must take its key lock.</summary>
    static (TempFolder Project, string LockPath) ProjectWithFetchToBuild()
    {
        var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"), Spec);
        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "fetch", "--experiment", "x", "--json");
        Assert.True(code == 0, stderr);
        var key = (string)JsonNode.Parse(stdout.TrimEnd().Split('\n')[^1])!["key"]!;
        Directory.Delete(project.Combine("artifacts", "cache", "fetch", key), recursive: true);
        return (project, project.Combine("artifacts", "cache", "fetch", ".locks", key + ".lock"));
    }

    [Fact]
    public void NoWait_ExitsAtOnceNamingTheProcessThatHoldsTheStage()
    {
        var (project, lockPath) = ProjectWithFetchToBuild();
        using var _ = project;
        using var held = FileLock.TryAcquire(lockPath);
        Assert.NotNull(held);

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "fetch", "--experiment", "x", "--no-wait");

        Assert.Equal(1, code);
        var line = Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains($"pid {Environment.ProcessId} on {Environment.MachineName}", line);
        Assert.Contains("--no-wait", line);
        Assert.DoesNotContain("built", stdout);
    }

    [Fact]
    public void ExpiredLockTimeout_ExitsNamingTheHolder()
    {
        var (project, lockPath) = ProjectWithFetchToBuild();
        using var _ = project;
        using var held = FileLock.TryAcquire(lockPath);

        var (code, _, stderr) = ImdbxProcess.Run(project.Path, "fetch", "--experiment", "x", "--lock-timeout", "0");

        Assert.Equal(1, code);
        Assert.Contains("--lock-timeout", stderr);
        Assert.Contains($"pid {Environment.ProcessId}", stderr);
    }

    [Fact]
    public async Task SecondProcess_WaitsForTheHolderSayingWhoItIs_ThenBuilds()
    {
        var (project, lockPath) = ProjectWithFetchToBuild();
        using var _ = project;
        var held = FileLock.TryAcquire(lockPath)!;

        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "imdbx.dll"), "fetch", "--experiment", "x"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = project.Path,
        };
        using var child = Process.Start(info)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var waiting = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        held.Dispose();
        var rest = await child.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await child.WaitForExitAsync();

        Assert.True(child.ExitCode == 0, await stderr);
        Assert.NotNull(waiting);
        Assert.StartsWith("fetch     waiting", waiting);
        Assert.Contains($"pid {Environment.ProcessId}", waiting);
        Assert.Contains("fetch     built", rest);
    }
}
