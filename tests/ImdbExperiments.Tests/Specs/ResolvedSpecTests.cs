using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Specs;

public sealed class ResolvedSpecTests : IDisposable
{
    private const string Block = """
        name: tuned
        model:
          name: bert-base-uncased
        training:
          learning_rate: 3e-5
          batch_size: 32
          lr_scheduler: cosine
        data:
          archive: data/imdb.tar.gz
          limit:
            train: 1000
        tracking:
          tags:
            team: nlp
            owner: me
        """;

    // The same spec: other key order, flow style, quoting, number spelling, explicit defaults and comments.
    private const string Flow = """
        # same experiment, written differently
        tracking: {tags: {owner: "me", team: 'nlp'}}
        data: {limit: {train: 1000, test: ~}, archive: "./data/../data/imdb.tar.gz", validation_fraction: 0.10}
        training: {lr_scheduler: cosine, batch_size: 32, learning_rate: 0.00003, epochs: 3.0}
        model: {name: "bert-base-uncased"}
        name: "tuned"
        seed: 42
        """;

    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Hash_IsTheSame_ForTheSameSpecWrittenDifferently()
    {
        folder.Write("a/block.yaml", Block);
        folder.Write("a/flow.yaml", Flow);

        var block = folder.Load("a/block.yaml");
        var flow = folder.Load("a/flow.yaml");

        Assert.Equal(block.CanonicalJson, flow.CanonicalJson);
        Assert.Equal(block.Hash, flow.Hash);
    }

    [Fact]
    public void Hash_Changes_WhenAValueChanges()
    {
        folder.Write("block.yaml", Block);

        var original = folder.Load("block.yaml");
        var changed = folder.Load("block.yaml", "training.learning_rate=3.1e-5");
        var tagged = folder.Load("block.yaml", "tracking.tags.owner=you");

        Assert.NotEqual(original.Hash, changed.Hash);
        Assert.NotEqual(original.Hash, tagged.Hash);
    }

    [Fact]
    public void Hash_IsStableAcrossClones_BecausePathsAreRelativeToTheWorkingDirectory()
    {
        using var other = new SpecFolder();
        folder.Write("block.yaml", Block);
        other.Write("block.yaml", Block);

        Assert.Equal(folder.Load("block.yaml").Hash, other.Load("block.yaml").Hash);
    }

    [Fact]
    public void CanonicalJson_SortsKeys_HasNoWhitespace_AndUsesShortestRoundTripDoubles()
    {
        folder.Write("block.yaml", Block);

        var resolved = folder.Load("block.yaml");
        var json = resolved.CanonicalJson;

        AssertKeysSorted(JsonDocument.Parse(json).RootElement);
        Assert.DoesNotMatch(@"\s", Regex.Replace(json, @"""(?:[^""\\]|\\.)*""", "\"\""));
        Assert.StartsWith("{\"data\":{\"archive\":\"data/imdb.tar.gz\",\"config\":\"plain_text\",\"dataset\":\"stanfordnlp/imdb\",\"dedupe\":\"none\",\"files\":{\"test\":null,\"train\":null},\"format\":null,\"id_column\":null,\"label_column\":\"label\",\"limit\":{\"test\":null,\"train\":1000,\"validation\":null},", json);
        Assert.Contains("\"training\":{\"adam_beta1\":0.9,\"adam_beta2\":0.999,\"adam_epsilon\":1E-08,\"batch_size\":32,", json);
        Assert.Contains("\"learning_rate\":3E-05,", json);
        Assert.Contains("\"epochs\":3,", json);
        Assert.Contains("\"sweep\":null,", json);
        Assert.Contains("\"tags\":{\"owner\":\"me\",\"team\":\"nlp\"}", json);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))), resolved.Hash);
    }

    private static void AssertKeysSorted(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            var names = element.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(names.Order(StringComparer.Ordinal), names);
            foreach (var property in element.EnumerateObject())
            {
                AssertKeysSorted(property.Value);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                AssertKeysSorted(item);
            }
        }
    }

    [Fact]
    public void CanonicalJson_WritesPathsOutsideTheWorkingDirectoryAsAbsolute()
    {
        folder.Write("x.yaml", SpecFolder.Minimal + "data:\n  archive: /elsewhere/imdb.tar.gz\n");

        Assert.Contains("\"archive\":\"/elsewhere/imdb.tar.gz\"", folder.Load("x.yaml").CanonicalJson);
    }

    [Fact]
    public void ToYaml_RoundTrips_ToTheSameHash()
    {
        folder.Write("experiments/x.yaml", """
            description: "quotes \" and\nnewlines: #1 ü"
            model: {path: ../models/tiny}
            tokenizer: {truncation: head+tail, lowercase: true}
            data:
              archive: ../data/imdb.tar.gz
              mirrors: [https://m.example/a.tar.gz]
              sha256: null
              limit: {train: 100}
            tracking:
              tags: {"odd: key": "value with 'quotes'"}
            sweep:
              method: random
              trials: 3
              parameters:
                training.learning_rate: {distribution: log_uniform, min: 1e-5, max: 1e-4}
                training.lr_scheduler: [linear, cosine]
                model.path: [../models/a, /abs/models/b]
                data.mirrors: [[], [https://n.example/b.tar.gz]]
              early_stopping: {type: median}
            """);
        var original = folder.Load("experiments/x.yaml");

        var absolute = folder.Write("saved/resolved.yaml", original.ToYaml());
        var relative = folder.Write("runs/1/resolved.yaml", original.ToYaml(Path.Combine(folder.Root, "runs/1")));

        Assert.Equal(original.CanonicalJson, folder.Load(absolute).CanonicalJson);
        Assert.Equal(original.Hash, folder.Load(relative).Hash);
        Assert.Contains("  archive: \"../../data/imdb.tar.gz\"\n", File.ReadAllText(relative));
        Assert.Contains("  truncation: head+tail\n", original.ToYaml());
    }

    [Fact]
    public void Subset_IsCanonicalJsonOfJustThoseKeys()
    {
        folder.Write("block.yaml", Block);

        var resolved = folder.Load("block.yaml");

        Assert.Equal(
            "{\"data.limit\":{\"test\":null,\"train\":1000,\"validation\":null},\"data.validation_fraction\":0.1,\"seed\":42}",
            resolved.Subset("seed", "data.validation_fraction", "data.limit"));
        Assert.Equal(resolved.Subset("seed", "data.limit"), folder.Load("block.yaml", "training.epochs=1").Subset("data.limit", "seed"));
        var error = Assert.Throws<ArgumentException>(() => resolved.Subset("data.limits"));
        Assert.Contains("Did you mean 'data.limit'?", error.Message);
    }

    [Fact]
    public void Flatten_GivesEveryLeaf_AsText()
    {
        folder.Write("block.yaml", Block);

        var flat = folder.Load("block.yaml").Flatten();

        Assert.Equal("3E-05", flat["training.learning_rate"]);
        Assert.Equal("cosine", flat["training.lr_scheduler"]);
        Assert.Equal("1000", flat["data.limit.train"]);
        Assert.Equal("null", flat["data.limit.test"]);
        Assert.Equal("data/imdb.tar.gz", flat["data.archive"]);
        Assert.Equal("[]", flat["data.mirrors"]);
        Assert.Equal("{\"owner\":\"me\",\"team\":\"nlp\"}", flat["tracking.tags"]);
        Assert.Equal("null", flat["sweep"]);
        Assert.Equal("bert-base-uncased", flat["model.name"]);
        Assert.Equal(SpecSchema.Fields.Count(f => f.Type != "section" && !f.Key.StartsWith("sweep", StringComparison.Ordinal) && f.Key != "extends") + 1, flat.Count);
    }

    [Fact]
    public void With_AppliesTrialValues_RevalidatesAndDropsTheSweep()
    {
        folder.Write("sweep.yaml", Block + "\nsweep:\n  parameters:\n    training.learning_rate: [1e-5, 2e-5]\n");
        var sweep = folder.Load("sweep.yaml");
        var values = sweep.Spec.Sweep!.Parameters.Single().Values;

        var trial = sweep.With(new Dictionary<string, string> { ["training.learning_rate"] = values[1] });

        Assert.Null(trial.Spec.Sweep);
        Assert.Equal(2e-5, trial.Spec.Training.LearningRate);
        folder.Write("block.yaml", Block);
        Assert.Equal(folder.Load("block.yaml", "training.learning_rate=2e-5").Hash, trial.Hash);
        var error = Assert.Throws<SpecException>(() => sweep.With(new Dictionary<string, string> { ["tokenizer.truncation"] = "head+tail", ["tokenizer.max_length"] = "64" }));
        Assert.Equal("tokenizer.head_tokens", error.Key);
        Assert.Throws<SpecException>(() => sweep.With(new Dictionary<string, string> { ["sweep.method"] = "grid" }));
    }
}
