using ImdbExperiments.Modeling;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

public sealed class ModelFolderValidationTests
{
    private static string SaveTiny(TempFolder temp, string name = "m")
    {
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 3);
        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine(name), doLowerCase: true);
        return temp.Combine(name);
    }

    [Fact]
    public void Validate_ASavedFolder_ReturnsItsConfig()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);

        var config = HfModelFolder.Validate(folder);

        Assert.Equal((TinyBert.Config.HiddenSize, TinyBert.Config.NumHiddenLayers), (config.HiddenSize, config.NumHiddenLayers));
    }

    [Fact]
    public void Validate_EmptyVocab_NamesTheUsersFile()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "");

        var error = Assert.Throws<InvalidDataException>(() => HfModelFolder.Validate(folder, name => $"my-bert/{name}"));

        Assert.Contains("my-bert/vocab.txt", error.Message);
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void Validate_VocabWithoutSpecialTokens_ListsThem()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\nhello\n");

        var error = Assert.Throws<InvalidDataException>(() => HfModelFolder.Validate(folder, name => $"my-bert/{name}"));

        Assert.StartsWith("my-bert/vocab.txt: lacks the special token(s) [CLS], [MASK], [SEP]", error.Message);
    }

    [Fact]
    public void Validate_VocabLargerThanTheEmbeddings_IsRefused()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.AppendAllText(Path.Combine(folder, "vocab.txt"), "extra1\nextra2\n");

        var error = Assert.Throws<InvalidDataException>(() => HfModelFolder.Validate(folder));

        Assert.Contains($"{TinyBert.Config.VocabSize + 2} tokens", error.Message);
        Assert.Contains($"vocab_size {TinyBert.Config.VocabSize}", error.Message);
    }

    [Fact]
    public void Validate_WeightsOfAnotherArchitecture_NamesTheWeightsFileAndTheTensor()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.WriteAllText(Path.Combine(folder, "config.json"), (TinyBert.Config with { IntermediateSize = 48, Labels = HfModelFolder.DefaultLabels }).ToJson());

        var error = Assert.Throws<CheckpointMismatchException>(() => HfModelFolder.Validate(folder, name => $"my-bert/{name}"));

        Assert.StartsWith("my-bert/model.safetensors: ", error.Message);
        Assert.Contains("bert.encoder.layer.0.intermediate.dense.weight: checkpoint [32, 16], model [48, 16]", error.WrongShape);
    }

    [Fact]
    public void Validate_TruncatedWeights_NamesTheUsersFile()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        var weights = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..^100]);

        var error = Assert.Throws<InvalidDataException>(() => HfModelFolder.Validate(folder, name => $"my-bert/{name}"));

        Assert.StartsWith("my-bert/model.safetensors: not a readable safetensors file", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Validate_ConfigWithFarMoreLayersThanTheWeights_KeepsEveryKeyButShowsABoundedMessage()
    {
        using var temp = new TempFolder();
        var folder = SaveTiny(temp);
        File.WriteAllText(Path.Combine(folder, "config.json"), (TinyBert.Config with { NumHiddenLayers = 100, Labels = HfModelFolder.DefaultLabels }).ToJson());

        var error = Assert.Throws<CheckpointMismatchException>(() => HfModelFolder.Validate(folder));

        Assert.Equal(98 * 16, error.Missing.Count);
        Assert.Contains($"… and {98 * 16 - 20} more", error.Message);
        Assert.True(error.Message.Length < 4_000, $"{error.Message.Length} characters");
    }
}
