using ImdbExperiments.Stages;
using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Stages;

public sealed class TokenizeStageTests
{
    [Fact]
    public void Tokenize_WritesEverySplit_WithLabelsAndIdsOfTheSplit()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec + "\ntokenizer:\n  max_length: 32\n");

        var (output, log) = fixture.Run("tokenize", spec);
        var split = fixture.Run("split", spec).Output;

        Assert.Contains("tokenize  built", log);
        foreach (var name in TokenizeStage.Splits)
        {
            using var tokens = TokenFile.Open(output.PathOf(TokenizeStage.FileName(name)));
            var ids = File.ReadAllLines(split.PathOf(name + ".ids"));
            Assert.Equal(ids.Length, tokens.Count);
            Assert.Equal(ids, Enumerable.Range(0, tokens.Count).Select(tokens.ExampleId));
            Assert.All(Enumerable.Range(0, tokens.Count), i =>
            {
                Assert.InRange(tokens.Length(i), 3, 32);
                Assert.Equal(ids[i].Contains("/pos/") ? 1 : 0, tokens.Label(i));
                Assert.Equal(2, tokens.GetIds(i)[0]);  // [CLS] in the random model's vocabulary
            });
        }
    }

    [Fact]
    public void Tokenize_IsByteIdenticalAfterClean_AndOnlyItRebuildsWhenTokenizerKeysChange()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        var longer = fixture.WriteSpec(PipelineFixture.SyntheticSpec + "\ntokenizer:\n  max_length: 64\n", "longer.yaml");

        var first = fixture.Run("tokenize", spec).Output;
        var bytes = File.ReadAllBytes(first.PathOf("train.tokens"));
        Directory.Delete(Path.Combine(fixture.Artifacts, "cache"), recursive: true);
        var again = fixture.Run("tokenize", spec).Output;
        var (_, log) = fixture.Run("tokenize", longer);

        Assert.Equal(bytes, File.ReadAllBytes(again.PathOf("train.tokens")));
        Assert.Contains("model     cache hit", log);
        Assert.Contains("split     cache hit", log);
        Assert.Contains("tokenize  built", log);
    }

    [Fact]
    public void MaxLengthBeyondTheModelsPositions_IsAnErrorNamingTheKey()
    {
        using var fixture = new PipelineFixture();
        var random = fixture.Run("model", fixture.WriteSpec(PipelineFixture.SyntheticSpec)).Output;
        fixture.CopyModelFolder(random, "my-bert");
        var spec = fixture.WriteSpec("""
            seed: 7
            data:
              source: synthetic
              synthetic:
                reviews_per_label: 40
            model:
              path: my-bert
            tokenizer:
              max_length: 1024
            """, "local.yaml");

        var error = Assert.Throws<ArgumentException>(() => fixture.Run("tokenize", spec));

        Assert.Contains("tokenizer.max_length", error.Message);
        Assert.Contains("1024", error.Message);
        Assert.Contains("512", error.Message);
        Assert.Empty(fixture.Published("tokenize"));
    }
}
