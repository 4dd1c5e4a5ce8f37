using System.Text.Json.Nodes;
using ImdbExperiments.Modeling;
using static TorchSharp.torch;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Modeling;

public sealed class HfModelFolderTests
{
    [Fact]
    public void SaveThenLoad_GivesIdenticalLogits()
    {
        using var temp = new TempFolder();
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 11);
        model.eval();
        var (ids, mask, types) = TinyBert.Batch();
        using var expected = model.call(ids, mask, types);

        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("model"), doLowerCase: true);
        using var checkpoint = HfModelFolder.Load(temp.Combine("model"));
        var (loaded, report) = BertForSequenceClassification.FromPretrained(checkpoint, headSeed: 99);
        using var _ = loaded;
        loaded.eval();
        using var actual = loaded.call(ids, mask, types);

        Assert.True(TinyBert.SameValues(actual, expected));
        Assert.Empty(report.InitializedKeys);
        Assert.Equal(model.state_dict().Count, report.LoadedKeys.Count);
    }

    [Fact]
    public void LoadSaveLoad_RoundTripsBitExactly()
    {
        using var temp = new TempFolder();
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 5);
        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("a"), doLowerCase: false);

        using var first = HfModelFolder.Load(temp.Combine("a"));
        var (reloaded, _) = BertForSequenceClassification.FromPretrained(first, headSeed: 0);
        using var __ = reloaded;
        HfModelFolder.Save(reloaded, first.Config, first.VocabPath, temp.Combine("b"), first.DoLowerCase);
        using var second = HfModelFolder.Load(temp.Combine("b"));

        foreach (var file in Directory.GetFiles(temp.Combine("a")).Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(temp.Combine("a", file!)), File.ReadAllBytes(temp.Combine("b", file!)));
        Assert.All(first.Weights, p => Assert.True(TinyBert.SameValues(p.Value, second.Weights[p.Key]), p.Key));
        Assert.False(second.DoLowerCase);
    }

    [Fact]
    public void Save_WritesHuggingFaceFiles()
    {
        using var temp = new TempFolder();
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 5);

        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("m"), doLowerCase: true);

        var config = JsonNode.Parse(File.ReadAllText(temp.Combine("m", "config.json")))!;
        Assert.Equal("BertForSequenceClassification", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("NEGATIVE", config["id2label"]!["0"]!.GetValue<string>());
        Assert.Equal(1, config["label2id"]!["POSITIVE"]!.GetValue<int>());
        Assert.Equal("bert", config["model_type"]!.GetValue<string>());
        var tokenizer = JsonNode.Parse(File.ReadAllText(temp.Combine("m", "tokenizer_config.json")))!;
        Assert.True(tokenizer["do_lower_case"]!.GetValue<bool>());
        Assert.Equal("BertTokenizer", tokenizer["tokenizer_class"]!.GetValue<string>());
        Assert.Equal("[CLS]", JsonNode.Parse(File.ReadAllText(temp.Combine("m", "special_tokens_map.json")))!["cls_token"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(vocab), File.ReadAllBytes(temp.Combine("m", "vocab.txt")));
        Assert.Equal(new[] { "m" }, Directory.GetDirectories(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_OverExistingFolder_ReplacesIt()
    {
        using var temp = new TempFolder();
        var vocab = TinyBert.WriteVocab(temp.Path);
        Directory.CreateDirectory(temp.Combine("m"));
        File.WriteAllText(temp.Combine("m", "stale.txt"), "old");
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 5);

        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("m"), doLowerCase: true);

        Assert.False(File.Exists(temp.Combine("m", "stale.txt")));
        Assert.True(File.Exists(temp.Combine("m", "model.safetensors")));
        Assert.Single(Directory.GetDirectories(temp.Path));
    }

    [Fact]
    public void BaseModelCheckpoint_InitializesAndReportsTheHead()
    {
        using var temp = new TempFolder();
        using var encoder = BertModel.CreateRandom(TinyBert.Config, seed: 21);
        // A base model's checkpoint: bare keys ("embeddings...", no "bert."), legacy LayerNorm names, fp16, a pre-training head.
        var weights = encoder.state_dict().ToDictionary(
            p => p.Key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"),
            p => p.Value.to_type(ScalarType.Float16));
        weights["cls.predictions.bias"] = zeros(TinyBert.Config.VocabSize);

        using var a = new BertForSequenceClassification(TinyBert.Config);
        using var b = new BertForSequenceClassification(TinyBert.Config);
        var report = a.LoadWeights(weights, headSeed: 4, source: "base.safetensors");
        b.LoadWeights(weights, headSeed: 4, source: "base.safetensors");

        Assert.Equal(["classifier.weight", "classifier.bias"], report.InitializedKeys.Order().Reverse());
        Assert.Equal(["cls.predictions.bias"], report.IgnoredKeys);
        Assert.Contains(report.RenamedKeys, r => r.Key == "embeddings.LayerNorm.gamma" && r.Value == "bert.embeddings.LayerNorm.weight");
        Assert.Equal(["Float16"], report.SourceDtypes);
        Assert.True(TinyBert.SameValues(a.state_dict()["classifier.weight"], b.state_dict()["classifier.weight"]));
        Assert.Equal(0.02, a.state_dict()["classifier.weight"].std().item<float>(), 0.01);
        Assert.True(a.state_dict()["bert.encoder.layer.1.output.dense.weight"].allclose(
            encoder.state_dict()["encoder.layer.1.output.dense.weight"], rtol: 1e-3, atol: 1e-4));
    }

    [Fact]
    public void PrefixedCheckpointWithoutClassifier_InitializesTheHead()
    {
        using var source = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 2);
        var weights = source.state_dict().Where(p => !p.Key.StartsWith("classifier.")).ToDictionary();
        using var target = new BertForSequenceClassification(TinyBert.Config);

        var report = target.LoadWeights(weights, headSeed: 1, source: "x");

        Assert.Equal(2, report.InitializedKeys.Count);
        Assert.Empty(report.RenamedKeys);
    }

    [Fact]
    public void MismatchedCheckpoint_ListsEveryProblemAtOnce()
    {
        using var source = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 2);
        var weights = source.state_dict().ToDictionary();
        weights.Remove("bert.encoder.layer.1.output.dense.weight");
        weights["bert.encoder.layer.9.output.dense.weight"] = zeros(2);
        weights["bert.embeddings.word_embeddings.weight"] = zeros(41, 16);
        using var target = new BertForSequenceClassification(TinyBert.Config);

        var error = Assert.Throws<CheckpointMismatchException>(() => target.LoadWeights(weights, headSeed: 1, source: "bad.safetensors"));

        Assert.Equal(["bert.encoder.layer.1.output.dense.weight"], error.Missing);
        Assert.Equal(["bert.encoder.layer.9.output.dense.weight"], error.Unexpected);
        Assert.Single(error.WrongShape);
        Assert.Contains("bad.safetensors", error.Message);
        Assert.Contains("checkpoint [41, 16], model [40, 16]", error.Message);
    }

    [Fact]
    public void Load_ReadsPytorchModelBin()
    {
        using var temp = new TempFolder();
        var vocab = TinyBert.WriteVocab(temp.Path);
        using var model = BertForSequenceClassification.CreateRandom(TinyBert.Config, seed: 3);
        HfModelFolder.Save(model, TinyBert.Config, vocab, temp.Combine("m"), doLowerCase: true);
        var safetensors = temp.Combine("m", "model.safetensors");
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(temp.Combine("m", "pytorch_model.bin"), model.state_dict());
        File.Delete(safetensors);

        using var checkpoint = HfModelFolder.Load(temp.Combine("m"));

        Assert.EndsWith("pytorch_model.bin", checkpoint.WeightsPath);
        Assert.All(model.state_dict(), p => Assert.True(TinyBert.SameValues(p.Value, checkpoint.Weights[p.Key]), p.Key));
    }

    [Fact]
    public void Load_FolderWithoutWeights_SaysWhatIsMissing()
    {
        using var temp = new TempFolder();
        TinyBert.WriteVocab(temp.Path);
        File.WriteAllText(temp.Combine("config.json"), TinyBert.Config.ToJson());

        var error = Assert.Throws<FileNotFoundException>(() => HfModelFolder.Load(temp.Path));

        Assert.Contains("neither model.safetensors nor pytorch_model.bin", error.Message);
    }
}
