using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

public sealed class MlflowYamlTests
{
    // Expected spellings are what PyYAML 6's safe_dump writes for the same strings.
    [Theory]
    [InlineData("0", "'0'")]
    [InlineData("123456789012345678", "'123456789012345678'")]
    [InlineData("active", "active")]
    [InlineData("", "''")]
    [InlineData("yes", "'yes'")]
    [InlineData("No", "'No'")]
    [InlineData("file:///home/me/x y/mlruns/0", "file:///home/me/x y/mlruns/0")]
    [InlineData("a: b", "'a: b'")]
    [InlineData("1e5", "1e5")]
    [InlineData("1.5", "'1.5'")]
    [InlineData("~", "'~'")]
    [InlineData("null", "'null'")]
    [InlineData("2024-01-01", "'2024-01-01'")]
    [InlineData("a #b", "'a #b'")]
    [InlineData("-a", "-a")]
    [InlineData("- a", "'- a'")]
    [InlineData("x:", "'x:'")]
    [InlineData("@x", "'@x'")]
    [InlineData("é", "é")]
    [InlineData("tab\there", "\"tab\\there\"")]
    [InlineData("it's", "it's")]
    [InlineData("0x1F", "'0x1F'")]
    [InlineData("1_000", "'1_000'")]
    [InlineData(".5", "'.5'")]
    [InlineData("+1", "'+1'")]
    [InlineData("mlflow.data.context", "mlflow.data.context")]
    [InlineData("{\"url\": \"https://x\"}", "'{\"url\": \"https://x\"}'")]
    [InlineData("a,b", "a,b")]
    [InlineData("?x", "?x")]
    [InlineData("%x", "'%x'")]
    public void Scalar_IsSpelledAsPyYamlSpellsIt(string value, string expected) => Assert.Equal(expected, MlflowYaml.Scalar(value));

    [Theory]
    [InlineData("it's")]
    [InlineData("line\nbreak")]
    [InlineData("quote ' and \" and \\")]
    [InlineData("'0'")]
    [InlineData("")]
    public void Scalar_ReadsBackToTheSameString(string value)
    {
        var text = MlflowYaml.Write([new KeyValuePair<string, object?>("k", value)]);

        Assert.Equal(value, MlflowYaml.ReadScalars(text)["k"]);
    }

    [Fact]
    public void Write_SortsKeysAndSpellsNullListsAndMappingsAsPyYaml()
    {
        var text = MlflowYaml.Write(
        [
            new("tags", Array.Empty<string>()),
            new("end_time", null),
            new("status", 3),
            new("inputs", new List<KeyValuePair<string, string>> { new("mlflow.data.context", "train") }),
            new("empty", new List<KeyValuePair<string, string>>()),
        ]);

        Assert.Equal("empty: {}\nend_time: null\ninputs:\n  mlflow.data.context: train\nstatus: 3\ntags: []\n", text);
    }
}
