using System.Text.RegularExpressions;
using ImdbExperiments.Tests.Cli;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Build;

public sealed partial class CakeBenchTaskTests
{
    /// <summary>Options the Cake script sets itself or that make no sense from a target.</summary>
    static readonly string[] NotForwarded = ["--help", "--artifacts"];

    [Fact]
    public void CakeBenchTask_ForwardsEveryOptionOfTheBenchCommand()
    {
        // The Bench task once dropped --archive= and silently benchmarked the synthetic archive.
        var cake = File.ReadAllText(Path.Combine(RepositoryRoot(), "build.cake"));
        var task = cake[cake.IndexOf("Task(\"Bench\")", StringComparison.Ordinal)..];
        task = task[..task.IndexOf("Task(", 5, StringComparison.Ordinal)];
        var forwarded = QuotedNames().Matches(task).Select(m => "--" + m.Groups[1].Value).ToHashSet();

        using var project = new TempFolder();
        var (code, stdout, _) = ImdbxProcess.Run(project.Path, "bench", "--help");
        var options = OptionNames().Matches(stdout).Select(m => m.Groups[1].Value).Distinct().Except(NotForwarded).ToArray();

        Assert.Equal(0, code);
        Assert.Contains("--archive", options);
        Assert.All(options, option => Assert.True(forwarded.Contains(option), $"the Cake Bench task does not pass {option} on to imdbx bench"));
    }

    static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "build.cake")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("build.cake not found above the test folder");
    }

    [GeneratedRegex("\"([a-z][a-z-]*)\"")]
    private static partial Regex QuotedNames();

    [GeneratedRegex(@"^\s+(--[a-z][a-z-]*)", RegexOptions.Multiline)]
    private static partial Regex OptionNames();
}
