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
        // One help line per option: its names ("--lengths, --length"), any one of which Cake may pass.
        var options = OptionLine().Matches(stdout).Select(m => Name().Matches(m.Groups[1].Value).Select(n => n.Value).ToArray())
            .Where(names => !names.Any(NotForwarded.Contains)).ToArray();

        Assert.Equal(0, code);
        Assert.Contains(options, names => names.Contains("--archive"));
        Assert.All(options, names => Assert.True(names.Any(forwarded.Contains), $"the Cake Bench task does not pass {string.Join("/", names)} on to imdbx bench"));
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

    [GeneratedRegex(@"^\s+(-{1,2}[a-z][a-z-]*(?:,\s*-{1,2}[a-z][a-z-]*)*)", RegexOptions.Multiline)]
    private static partial Regex OptionLine();

    [GeneratedRegex("--[a-z][a-z-]*")]
    private static partial Regex Name();
}
