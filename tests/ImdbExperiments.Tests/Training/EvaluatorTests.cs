using System.Globalization;
using System.Text.Json.Nodes;
using ImdbExperiments.Modeling;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Training;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class EvaluatorTests : IDisposable
{
    private readonly TrainingData _data = new(trainCount: 8, validationCount: 37);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Evaluate_ReturnsPredictionsInFileOrder_AsScoringOneByOneDoes()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);

        var batched = Evaluator.Evaluate(model, file, batchSize: 16);
        var single = Evaluator.Evaluate(model, file, batchSize: 1);

        Assert.Equal(Enumerable.Range(0, file.Count).Select(file.ExampleId), batched.Predictions.Select(p => p.Id));
        Assert.Equal(Enumerable.Range(0, file.Count).Select(i => (int)file.Label(i)), batched.Predictions.Select(p => p.Label));
        for (var i = 0; i < file.Count; i++)
            Assert.Equal(single.Predictions[i].Probability, batched.Predictions[i].Probability, 5);
    }

    [Fact]
    public void Evaluate_MetricsAgreeWithThePredictions()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);

        var result = Evaluator.Evaluate(model, file, batchSize: 8);
        var p = result.Predictions;
        var recomputed = ClassificationMetrics.Compute(p.Select(x => x.Label).ToArray(), p.Select(x => x.Predicted).ToArray(),
            p.Select(x => x.Probability).ToArray(), result.Metrics.Loss, model.Config.Labels);

        Assert.Equal(recomputed.ToJson().ToJsonString(), result.Metrics.ToJson().ToJsonString());
        Assert.Equal(37, result.Metrics.Count);
        Assert.Equal(p.Select(x => x.Probability > 0.5 ? 1 : 0), p.Select(x => x.Predicted));
    }

    [Fact]
    public void Evaluate_LeavesATrainingModelInTrainingMode()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);
        model.train();

        Evaluator.Evaluate(model, file, batchSize: 8);

        Assert.True(model.training);
    }

    [Fact]
    public async Task WritePredictionsCsv_WritesOneRowPerExampleWithRoundTripProbabilities()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);
        var result = Evaluator.Evaluate(model, file, batchSize: 8);
        var path = Path.Combine(_data.Folder("out"), "predictions.csv");

        await result.WritePredictionsCsvAsync(path);

        var lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("id,label,predicted,probability", lines[0]);
        Assert.Equal("", lines[^1]);
        Assert.Equal(38, lines.Length - 1);
        var first = lines[1].Split(',');
        Assert.Equal(result.Predictions[0].Id, first[0]);
        Assert.Equal(result.Predictions[0].Probability, double.Parse(first[3], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task WritePredictionsCsv_QuotesIdsThatNeedIt()
    {
        var result = new EvaluationResult([new ExamplePrediction("a,\"b\"", 1, 0, 0.25)],
            ClassificationMetrics.Compute([1], [0], [0.25], 1.0));
        var path = Path.Combine(_data.Folder("out"), "predictions.csv");

        await result.WritePredictionsCsvAsync(path);

        Assert.Equal("id,label,predicted,probability\n\"a,\"\"b\"\"\",1,0,0.25\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task WriteMetricsJson_WritesTheMetricsObjectWithTheModelsClassNames()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);
        var result = Evaluator.Evaluate(model, file, batchSize: 8);
        var path = Path.Combine(_data.Folder("out"), "metrics.json");

        await result.WriteMetricsJsonAsync(path);

        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(result.Metrics.Accuracy, json["accuracy"]!.GetValue<double>());
        Assert.Equal(37, json["count"]!.GetValue<int>());
        Assert.Equal(["LABEL_0", "LABEL_1"], json["per_class"]!.AsObject().Select(p => p.Key));
    }
}
