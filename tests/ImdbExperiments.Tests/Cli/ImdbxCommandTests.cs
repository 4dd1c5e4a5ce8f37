using System.Text.Json.Nodes;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

public sealed class ImdbxCommandTests
{
    static TempFolder Project(string spec)
    {
        var project = new TempFolder();
        Directory.CreateDirectory(project.Combine("experiments"));
        File.WriteAllText(project.Combine("experiments", "x.yaml"), spec);
        return project;
    }

    [Theory]
    [InlineData("model:\n  init: random\ntraining:\n  learnin_rate: 0.1\n", "x.yaml:4:3", "learning_rate")]
    [InlineData("model:\n  init: random\ntraining:\n  batch_size: many\n", "x.yaml:4:15", "training.batch_size")]
    [InlineData("extends: missing.yaml\nmodel:\n  init: random\n", "x.yaml:1:10", "missing.yaml")]
    public void BadSpec_ExitsNonZero_NamingLineAndKey(string spec, string position, string key)
    {
        using var project = Project(spec);

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "split", "--experiment", "x.yaml");

        Assert.Equal(1, code);
        Assert.Contains(position, stderr);
        Assert.Contains(key, stderr);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(project.Combine("artifacts", "cache", "fetch")));
    }

    [Fact]
    public void BadSet_ExitsNonZero_NamingTheOverride()
    {
        using var project = Project("model:\n  init: random\n");

        var (code, _, stderr) = ImdbxProcess.Run(project.Path, "show", "--experiment", "x", "--set", "training.batch_size=abc");

        Assert.Equal(1, code);
        Assert.Contains("--set training.batch_size=abc", stderr);
    }

    [Fact]
    public void Show_PrintsTheResolvedSpecAndItsHash_FindingTheSpecUnderExperiments()
    {
        using var project = Project("model:\n  init: random\n");

        var (code, stdout, _) = ImdbxProcess.Run(project.Path, "show", "--experiment", "x.yaml", "--set", "training.learning_rate=3e-5", "--json");
        var shown = JsonNode.Parse(stdout.TrimEnd().Split('\n')[^1])!;

        Assert.Equal(0, code);
        Assert.Equal(64, ((string)shown["hash"]!).Length);
        Assert.Equal(3e-5, (double)shown["spec"]!["training"]!["learning_rate"]!);
        Assert.Equal(16, (int)shown["spec"]!["training"]!["batch_size"]!);
    }

    [Fact]
    public void StageCommand_WithJson_EndsWithOneMachineReadableObject()
    {
        using var project = Project("data:\n  source: synthetic\n  synthetic:\n    reviews_per_label: 20\nmodel:\n  init: random\n");

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "split", "--experiment", "x", "--json");
        var last = JsonNode.Parse(stdout.TrimEnd().Split('\n')[^1])!;

        Assert.True(code == 0, stderr);
        Assert.Equal("split", (string)last["stage"]!);
        Assert.False((bool)last["cache_hit"]!);
        Assert.Equal(64, ((string)last["key"]!).Length);
        Assert.True(File.Exists((string)last["outputs"]!["train"]!));
        Assert.Equal(40, (int)last["counts"]!["test"]!["count"]!);

        var again = JsonNode.Parse(ImdbxProcess.Run(project.Path, "split", "--experiment", "x", "--json").Stdout.TrimEnd().Split('\n')[^1])!;
        Assert.True((bool)again["cache_hit"]!);
        Assert.Equal((string)last["key"]!, (string)again["key"]!);
    }

    [Fact]
    public void Predict_WithAnExperiment_TrainsItAsARecordedRun_ThenScoresEachText()
    {
        using var project = Project($"""
            data:
              source: synthetic
              synthetic:
                reviews_per_label: 100
            {TinySpecs.RandomModel}
            tokenizer:
              max_length: 48
            training:
              epochs: 1
              threads: 1
            """);

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "predict", "--experiment", "x", "--text", "A wonderful film.", "--text", "Dull.", "--json");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();

        Assert.True(code == 0, stderr);
        Assert.Equal(["A wonderful film.", "Dull."], lines.Select(l => (string)l["text"]!));
        Assert.All(lines, l => Assert.Contains((string)l["label"]!, new[] { "POSITIVE", "NEGATIVE" }));
        Assert.All(lines, l => Assert.InRange((double)l["score"]!, 0.5, 1.0));
        var run = Assert.Single(Directory.GetDirectories(project.Combine("artifacts", "runs")));
        Assert.True(File.Exists(Path.Combine(run, "model", "model.safetensors")));

        var again = ImdbxProcess.Run(project.Path, "predict", "--model", Path.Combine(run, "model"), "--text", "A wonderful film.", "--json");
        Assert.Equal(0, again.ExitCode);
        var alone = JsonNode.Parse(again.Stdout.Split('\n')[0])!;
        Assert.Equal((string)lines[0]["label"]!, (string)alone["label"]!);
        Assert.Equal((double)lines[0]["score"]!, (double)alone["score"]!, 1e-6);  // padded in a batch of two vs alone
    }

    [Fact]
    public void NoNetworkAndNoArchive_IsOneClearError()
    {
        using var project = Project("data:\n  url: http://127.0.0.1:9/aclImdb_v1.tar.gz\nmodel:\n  init: random\n");

        var (code, _, stderr) = ImdbxProcess.Run(project.Path, "fetch", "--experiment", "x");

        Assert.Equal(1, code);
        Assert.Contains("IMDB_ARCHIVE", stderr);
        Assert.Contains("data.archive", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
