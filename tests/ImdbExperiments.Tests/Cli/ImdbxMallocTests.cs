using System.Text.Json.Nodes;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Cli;

/// <summary>imdbx started again in place with jemalloc preloaded (Training/JemallocPreload.cs), through real processes.</summary>
public sealed class ImdbxMallocTests
{
    const string TinySpec = $"""
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 60
        {TinySpecs.RandomModel}
        tokenizer:
          max_length: 48
        training:
          epochs: 1
          threads: 1
        """;

    static TempFolder Project()
    {
        var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"), TinySpec);
        return project;
    }

    static (int ExitCode, string Stdout, string Stderr) Run(string folder, string malloc, params string[] arguments) =>
        ImdbxProcess.Run(folder, new Dictionary<string, string> { [NativeMemory.EnvironmentVariable] = malloc }, arguments);

    [JemallocFact]
    public void MemoryBench_UnderAuto_RunsWithJemallocPreloaded_KeepingItsArguments()
    {
        using var folder = new TempFolder();
        var output = folder.Combine("m.json");

        var (code, stdout, stderr) = Run(folder.Path, "auto", "memory-bench", "--model", "minilm", "--length", "8", "--batch", "1", "--steps", "1", "--threads", "1", "-o", output);

        Assert.True(code == 0, stderr);
        Assert.Contains("malloc jemalloc", stdout);
        var json = JsonNode.Parse(File.ReadAllText(output))!;   // the -o argument survived the second start
        Assert.Equal("jemalloc", (string?)json["malloc"]);
        Assert.Equal(8, (int)json["length"]!);
    }

    [JemallocFact]
    public void Train_WithJemalloc_GivesTheSameModelBytesAsGlibc_AndRecordsWhichServedIt()
    {
        // The allocator decides where blocks live, never what is computed in them: the same spec and seed give the same weights.
        using var withJemalloc = Project();
        using var withGlibc = Project();

        var jemalloc = Run(withJemalloc.Path, "jemalloc", "train", "--experiment", "x");
        var glibc = Run(withGlibc.Path, "system", "train", "--experiment", "x");

        Assert.True(jemalloc.ExitCode == 0, jemalloc.Stderr);
        Assert.True(glibc.ExitCode == 0, glibc.Stderr);
        var runA = Assert.Single(Directory.GetDirectories(withJemalloc.Combine("artifacts", "runs")));
        var runB = Assert.Single(Directory.GetDirectories(withGlibc.Combine("artifacts", "runs")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(runB, "model", "model.safetensors")), File.ReadAllBytes(Path.Combine(runA, "model", "model.safetensors")));
        Assert.Equal("jemalloc", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(runA, "environment.json")))!["malloc"]);
        Assert.Equal("system", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(runB, "environment.json")))!["malloc"]);
    }

    [JemallocFact]
    public void WithGlibcAskedFor_ButJemallocPreloadedByTheUser_TheRecordSaysJemallocAndWhy()
    {
        using var folder = new TempFolder();
        var output = folder.Combine("m.json");
        var (code, stdout, stderr) = ImdbxProcess.Run(folder.Path, new Dictionary<string, string>
        {
            [NativeMemory.EnvironmentVariable] = "system",
            ["LD_PRELOAD"] = JemallocPreload.FindLibrary()!,
        }, "memory-bench", "--model", "minilm", "--length", "8", "--batch", "1", "--steps", "1", "--threads", "1", "-o", output);

        Assert.True(code == 0, stderr);
        Assert.Contains("malloc jemalloc (IMDBX_MALLOC=system asks for glibc, but jemalloc was preloaded (LD_PRELOAD))", stdout);
        Assert.Equal("jemalloc", (string?)JsonNode.Parse(File.ReadAllText(output))!["malloc"]);
    }

    [Fact]
    public void AnUnknownMalloc_IsOneLineNamingTheVariableAndWhatIsAllowed()
    {
        using var folder = new TempFolder();

        var (code, _, stderr) = Run(folder.Path, "tcmalloc", "memory-bench", "--steps", "1");

        Assert.NotEqual(0, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: IMDBX_MALLOC is 'tcmalloc'; allowed: {NativeMemory.Allowed}.", line);
    }

    [Fact]
    public void ACommandWithoutTensors_IgnoresTheMallocSetting()
    {
        using var project = Project();

        var (code, stdout, stderr) = Run(project.Path, "tcmalloc", "show", "--experiment", "x");

        Assert.True(code == 0, stderr);
        Assert.Contains("max_length: 48", stdout);
    }
}
