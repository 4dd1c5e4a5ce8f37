using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Docs;

public sealed class ReadmeTests
{
    static string RepositoryFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ImdbExperiments.sln")))
                return Path.Combine(directory.FullName, name);
        throw new FileNotFoundException("ImdbExperiments.sln not found above the test output folder.");
    }

    [Fact]
    public void SpecReference_InTheReadme_IsTheSchema()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md")).ReplaceLineEndings("\n");
        const string start = "<!-- spec-reference:start -->\n", end = "<!-- spec-reference:end -->";
        var from = readme.IndexOf(start, StringComparison.Ordinal) + start.Length;
        var documented = readme[from..readme.IndexOf(end, StringComparison.Ordinal)];

        Assert.True(SpecSchema.ToMarkdown().ReplaceLineEndings("\n").Trim() == documented.Trim(),
            "README.md's spec reference is out of date: paste the output of `imdbx schema` between the spec-reference markers.");
    }

    [Fact]
    public void EveryCakeTarget_IsDocumentedInTheReadme()
    {
        var readme = File.ReadAllText(RepositoryFile("README.md"));
        var targets = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(RepositoryFile("build.cake")), "Task\\(\"(\\w+)\"\\)")
            .Select(m => m.Groups[1].Value)
            .Where(t => t != "Default");

        Assert.All(targets, t => Assert.Contains($"`{t}`", readme));
    }
}
