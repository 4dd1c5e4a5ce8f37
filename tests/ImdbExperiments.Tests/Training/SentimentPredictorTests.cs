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
    public void Predict_InLengthSortedBatches_MatchesScoringEachTextAlone_Within1e6()
    {
        // Texts of very different lengths in shuffled order: each batch is padded to its own longest text and the
        // results are put back in input order, so padding and order must change nothing beyond float rounding.
        using var model = TrainingData.NewModel();
        var texts = _data.ValidationTexts.Select(t => t.Text).Select((t, i) => i % 3 == 0 ? t + " " + t : i % 3 == 1 ? t[..Math.Max(1, t.Length / 4)] : t).ToArray();
        using var batched = SentimentPredictor.Load(SaveModel(model), new SentimentPredictorOptions { MaxLength = TrainingData.Config.MaxPositionEmbeddings, BatchSize = 16 });
        var together = batched.Predict(texts);

        Assert.True(texts.Select(t => batched.Encoder.EncodeAll([t]).Length(0)).Distinct().Count() > 5);
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = batched.Predict(texts[i]);
            Assert.Equal(alone.LabelId, together[i].LabelId);
            Assert.True(Math.Abs(alone.Score - together[i].Score) <= 1e-6, $"text {i}: {alone.Score} alone, {together[i].Score} in a batch");
        }
        Assert.Equal("fp32", batched.Precision.Name);
    }

    [Fact]
    public void Predict_InBf16_SaysSoAndStaysCloseToFp32()
    {
        using var model = TrainingData.NewModel();
        var folder = SaveModel(model);
        var texts = _data.ValidationTexts.Select(t => t.Text).ToArray();
        using var fp32 = SentimentPredictor.Load(folder, new SentimentPredictorOptions { MaxLength = TrainingData.Config.MaxPositionEmbeddings });
        using var bf16 = SentimentPredictor.Load(folder, new SentimentPredictorOptions { MaxLength = TrainingData.Config.MaxPositionEmbeddings, Precision = InferencePrecision.Bf16 });

        var exact = fp32.Predict(texts);
        var rounded = bf16.Predict(texts);

        Assert.Equal("bf16", bf16.Precision.Name);
        Assert.Equal("asked for bf16", bf16.Precision.Reason);
        // bf16 keeps 8 bits of mantissa: probabilities move by rounding, not by a different computation.
        var positive = (SentimentPrediction p) => p.LabelId == 1 ? p.Score : 1 - p.Score;
        Assert.All(Enumerable.Range(0, texts.Length), i => Assert.True(Math.Abs(positive(exact[i]) - positive(rounded[i])) < 0.05,
            $"text {i}: {positive(exact[i])} in fp32, {positive(rounded[i])} in bf16"));
        Assert.Contains(Enumerable.Range(0, texts.Length), i => positive(exact[i]) != positive(rounded[i]));
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
