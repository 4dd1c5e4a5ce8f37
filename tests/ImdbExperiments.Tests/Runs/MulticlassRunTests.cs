using System.Text.Json.Nodes;
using ImdbExperiments.Caching;
using ImdbExperiments.Reporting;
using ImdbExperiments.Runs;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using ImdbExperiments.Training;

namespace ImdbExperiments.Tests.Runs;

/// <summary>A CSV of another task, with five labels, through train, evaluate, predict and the report.</summary>
[Collection(TorchGlobalStateCollection.Name)]
public sealed class MulticlassRunTests
{
    static readonly string[] Topics = ["billing", "crash", "feature", "login", "praise"];

    const string Spec = """
        name: tickets
        seed: 3
        data:
          source: files
          files:
            train: tickets.csv
          test_fraction: 0.25
        model:
          init: random
          random:
            hidden_size: 32
            num_hidden_layers: 1
            num_attention_heads: 2
            intermediate_size: 64
            max_position_embeddings: 64
            vocab_size_limit: 300
        tokenizer:
          max_length: 32
        training:
          epochs: 1
          batch_size: 16
          log_every: 2
          threads: 1
        tracking:
          uri: file:./mlruns
        """;

    /// <summary>Each topic has its own words, listed out of sorted order so the label set's sort is what orders the classes.</summary>
    static void WriteTickets(TempFolder project)
    {
        string[] words = ["invoice charged refund", "error freeze stack", "please add option", "password sign account", "thanks great love"];
        var rows = Enumerable.Range(0, 160).Select(i => (Topic: Topics[(i * 3) % 5], Words: words[(i * 3) % 5], i))
            .Select(r => $"\"ticket {r.i}: {r.Words} {r.i % 7}\",{r.Topic}\n");
        File.WriteAllText(project.Combine("tickets.csv"), "text,label\n" + string.Concat(rows.Reverse()));
    }

    static PipelineContext Context(TempFolder project, params string[] overrides)
    {
        File.WriteAllText(project.Combine("tickets.yaml"), Spec);
        var artifacts = project.Combine("artifacts");
        return new PipelineContext
        {
            Spec = SpecLoader.Load(project.Combine("tickets.yaml"), overrides, project.Path),
            Cache = new StageCache(Path.Combine(artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = artifacts,
        };
    }

    [Fact]
    public async Task FiveLabelTable_TrainsEvaluatesPredictsAndReports_WithEveryClassNamed()
    {
        using var project = new TempFolder();
        WriteTickets(project);
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(project.Path);  // file:./mlruns is relative to where the command runs
        try
        {
            var run = await ExperimentRun.RunAsync(Context(project), evaluate: true, CancellationToken.None);

            // The exported folder's head and names follow the data: five outputs, id2label / label2id in sorted order.
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(run.RunFolder, "model", "config.json")))!;
            Assert.Equal(Topics, Enumerable.Range(0, 5).Select(i => (string)config["id2label"]![i.ToString()]!));
            Assert.Equal(4, (int)config["label2id"]!["praise"]!);

            // evaluate: a 5 x 5 matrix, per-class figures by name, macro as the single figures.
            var test = run.Evaluate!.Manifest.Summary["test"]!;
            Assert.Equal("macro", (string)test["average"]!);
            Assert.Equal(5, test["confusion_matrix"]!.AsArray().Count);
            Assert.All(test["confusion_matrix"]!.AsArray(), row => Assert.Equal(5, row!.AsArray().Count));
            Assert.Equal(Topics, test["per_class"]!.AsObject().Select(p => p.Key));
            Assert.Equal((long)test["count"]!, test["confusion_matrix"]!.AsArray().Sum(row => row!.AsArray().Sum(n => (long)n!)));

            // The predictions file: label and predicted by name, the score, then every class's probability.
            var lines = File.ReadAllLines(Path.Combine(run.RunFolder, EvaluationResult.PredictionsFileName));
            Assert.Equal("id,label,predicted,score,probability_billing,probability_crash,probability_feature,probability_login,probability_praise", lines[0]);
            Assert.Equal((long)test["count"]! + 1, lines.Length);
            var first = lines[1].Split(',');
            Assert.Contains(first[1], Topics);
            Assert.Equal(1.0, first[4..].Sum(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)), 9);

            // predict: the trained folder names its label and gives every class's probability.
            using (var predictor = SentimentPredictor.Load(Path.Combine(run.RunFolder, "model")))
            {
                var p = predictor.Predict("ticket 999: invoice charged refund 1");
                Assert.Equal(Topics, predictor.Labels);
                Assert.Contains(p.Label, Topics);
                Assert.Equal(5, p.Probabilities.Count);
                Assert.Equal(p.Probabilities.Max(), p.Score);
            }

            // MLflow got the per-class and per-cell metrics, and the report draws the 5 x 5 matrix with the names.
            var runs = TrackedRunReader.ReadFileStore(project.Combine("mlruns"), "tickets");
            var record = Assert.Single(runs);
            Assert.True(record.Metrics.ContainsKey("test/class_4_praise/f1"));
            Assert.True(record.Metrics.ContainsKey("test/confusion_4_4"));
            var html = HtmlReport.Render(runs);
            foreach (var topic in Topics)
            {
                Assert.Contains($"<th>predicted {topic}</th>", html);
                Assert.Contains($"<th>actual {topic}</th>", html);
            }
            Assert.DoesNotContain("class_4_praise", html);  // per-class keys stay out of the runs table
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
    }

    [Fact]
    public async Task NumLabels_ThatDisagreesWithTheData_IsOneLineNamingBoth()
    {
        using var project = new TempFolder();
        WriteTickets(project);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() =>
            ExperimentRun.RunAsync(Context(project, "model.num_labels=3", "tracking.enabled=false"), evaluate: false, CancellationToken.None));

        Assert.Equal($"{project.Combine("tickets.yaml")}: model.num_labels is 3, but the data has 5 labels (billing, crash, feature, login, praise); " +
            "set model.num_labels to 5 or remove it (it follows the data).", error.Message);
    }
}
