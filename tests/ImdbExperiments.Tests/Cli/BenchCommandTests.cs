using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Cli;

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("--models", "bert-large", "allowed models: minilm, bert-base")]
    [InlineData("--precisions", "fp16", "allowed precisions: fp32, bf16")]
    [InlineData("--attention-dropout", "1.5", "[0, 1)")]
    public void BadOption_ExitsWithUsageErrorBeforeMeasuring_NamingOptionValueAndWhatIsAllowed(string option, string value, string allowed)
    {
        using var project = new TempFolder();

        var (code, stdout, stderr) = ImdbxProcess.Run(project.Path, "bench", "--quick", option, value);

        Assert.Equal(2, code);  // rejected while parsing (Cli/CheckedOptions.cs), before anything runs
        Assert.Contains($"{option} {value} is not valid", stderr);
        Assert.Contains(allowed, stderr);
        Assert.Empty(stdout);
        Assert.False(Directory.Exists(project.Combine("artifacts")));
    }
}
