using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

/// <summary>Hostile inputs at the program's edges: each is one line naming the input, exit code 1, no stack trace.</summary>
public sealed class ImdbxInputTests
{
    static void AssertOneLineError((int ExitCode, string Stdout, string Stderr) run, string expected)
    {
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.DoesNotContain("POSITIVE", run.Stdout);
        Assert.DoesNotContain("NEGATIVE", run.Stdout);
    }

    [Theory]
    [InlineData("", "--text #1 is empty")]
    [InlineData(" \t ", "--text #1 is only whitespace")]
    public void Predict_EmptyText_IsAnErrorNamingWhichText(string text, string expected)
    {
        using var project = new TempFolder();

        AssertOneLineError(ImdbxProcess.Run(project.Path, "predict", "--model", project.Path, "--text", text), expected);
    }

    [Fact]
    public void Predict_SecondTextBlank_NamesTheSecond()
    {
        using var project = new TempFolder();

        AssertOneLineError(ImdbxProcess.Run(project.Path, "predict", "--model", project.Path, "--text", "Great.", "--text", ""), "--text #2 is empty");
    }

    [Fact]
    public void Predict_FileWithInvalidUtf8_NamesTheFileAndLine()
    {
        using var project = new TempFolder();
        File.WriteAllBytes(project.Combine("reviews.txt"), [.. "A fine film.\n"u8, .. "Bad "u8, 0xFF, .. " bytes\n"u8]);

        AssertOneLineError(ImdbxProcess.Run(project.Path, "predict", "--model", project.Path, "--file", "reviews.txt"),
            "--file 'reviews.txt' line 2 is not valid UTF-8");
    }

    [Fact]
    public void Predict_StandardInputWithInvalidUtf8_NamesStandardInputAndLine()
    {
        using var project = new TempFolder();

        AssertOneLineError(ImdbxProcess.RunWithInput(project.Path, [0xC3, 0x28, (byte)'\n'], "predict", "--model", project.Path, "--file", "-"),
            "standard input line 1 is not valid UTF-8");
    }

    [Fact]
    public void Predict_FileThatIsADirectory_SaysSo()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("reviews"));

        AssertOneLineError(ImdbxProcess.Run(project.Path, "predict", "--model", project.Path, "--file", "reviews"),
            "--file: 'reviews' is a directory; expected a file.");
    }

    [Fact]
    public void Predict_ModelThatIsAFile_SaysAFolderIsExpected()
    {
        using var project = new TempFolder();
        File.WriteAllText(project.Combine("model.safetensors"), "");

        AssertOneLineError(ImdbxProcess.Run(project.Path, "predict", "--model", "model.safetensors", "--text", "Great."),
            "--model: 'model.safetensors' is a file; expected a folder.");
    }

    [Fact]
    public void Experiment_ThatIsADirectory_SaysSo()
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("specs"));

        AssertOneLineError(ImdbxProcess.Run(project.Path, "show", "--experiment", "specs"), "--experiment: 'specs' is a directory; expected a file.");
    }

    [Theory]
    [InlineData("/dev/zero", "'/dev/zero' is a character device; expected a regular file.")]
    [InlineData(".", "is a directory; expected a file.")]
    public void Fetch_ArchiveThatIsNotARegularFile_IsRefusedAndLeavesNoTemporary(string archive, string expected)
    {
        using var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"), $"data:\n  archive: {archive}\nmodel:\n  init: random\n");

        AssertOneLineError(ImdbxProcess.Run(project.Path, "fetch", "--experiment", "x"), expected);
        var fetch = project.Combine("artifacts", "cache", "fetch");
        Assert.Empty(Directory.Exists(fetch) ? Directory.GetDirectories(fetch, ".tmp-*") : []);
    }
}
