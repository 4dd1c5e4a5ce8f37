using ImdbExperiments.Modeling;
using ImdbExperiments.Text;
using ImdbExperiments.Training;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Training;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class SentimentPredictorTests : IDisposable
{
    private readonly TrainingData _data = new(trainCount: 8, validationCount: 37);

    public void Dispose() => _data.Dispose();

    private string SaveModel(BertForSequenceClassification model)
    {
        var folder = Path.Combine(_data.Folder("models"), "model");
        HfModelFolder.Save(model, model.Config, _data.VocabPath, folder, doLowerCase: true);
        return folder;
    }

    [Fact]
    public void Predict_GivesTheEvaluatorsProbabilitiesForTheSameTexts()
    {
        using var model = TrainingData.NewModel();
        using var file = TokenFile.Open(_data.ValidationPath);
        var expected = Evaluator.Evaluate(model, file, batchSize: 16).Predictions;
        using var predictor = SentimentPredictor.Load(SaveModel(model), new SentimentPredictorOptions { MaxLength = TrainingData.Config.MaxPositionEmbeddings, BatchSize = 16 });

        var actual = predictor.Predict(_data.ValidationTexts.Select(t => t.Text).ToArray());

        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < actual.Count; i++)
        {
            Assert.Equal(expected[i].Predicted == 1 ? "POSITIVE" : "NEGATIVE", actual[i].Label);
            Assert.Equal(expected[i].Predicted, actual[i].LabelId);
            Assert.Equal(expected[i].Predicted == 1 ? expected[i].Probability : 1 - expected[i].Probability, actual[i].Score, 12);
        }
    }

    [Fact]
    public void Predict_OfNoTexts_IsEmpty()
    {
        using var model = TrainingData.NewModel();
        using var predictor = SentimentPredictor.Load(SaveModel(model));

        Assert.Empty(predictor.Predict([]));
    }

    [Fact]
    public void Load_RefusesAFolderWithoutATrainedClassifier()
    {
        using var model = TrainingData.NewModel();
        var folder = Path.Combine(_data.Folder("models"), "encoder-only");
        var weights = model.state_dict().Where(p => !p.Key.StartsWith("classifier.", StringComparison.Ordinal));
        HfModelFolder.Publish(folder, model.Config, weights, File.ReadAllBytes(_data.VocabPath), doLowerCase: true, modelMaxLength: 64);

        var e = Assert.Throws<InvalidDataException>(() => SentimentPredictor.Load(folder));
        Assert.Contains("classifier", e.Message);
    }
}
