using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImdbExperiments.Modeling;
using ImdbExperiments.Serving;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tests.Training;
using ImdbExperiments.Training;
using TorchSharp;

namespace ImdbExperiments.Tests.Serving;

[Collection(TorchGlobalStateCollection.Name)]
public sealed class BatchedScoringTests : IDisposable
{
    /// <summary>A few fp32 ulps of a logit, carried through the softmax: far above what padding was measured to move a probability.</summary>
    private const double Fp32Rounding = 1e-6;

    private readonly TrainingData _data = new(trainCount: 8, validationCount: 40);

    public void Dispose() => _data.Dispose();

    /// <summary>Holds the first batch until released, so every later request is queued and batched with others.</summary>
    private sealed class HeldScorer(ITextScorer inner) : ITextScorer
    {
        public ManualResetEventSlim Release { get; } = new(initialState: false);
        public SemaphoreSlim Entered { get; } = new(0);
        public List<int> BatchSizes { get; } = [];

        public IReadOnlyList<string> Labels => inner.Labels;

        public IReadOnlyList<SentimentPrediction> Score(IReadOnlyList<string> texts, CancellationToken cancellationToken)
        {
            BatchSizes.Add(texts.Count); // only the one scoring thread calls this
            Entered.Release();
            Release.Wait(cancellationToken);
            return inner.Score(texts, cancellationToken);
        }
    }

    [Fact]
    public async Task ConcurrentRequests_GetTheProbabilitiesEachTextGetsAlone()
    {
        using var model = TrainingData.NewModel();
        // A random head gives every text nearly 0.5; a larger one spreads the texts apart, so a mixed-up answer shows.
        using (torch.no_grad())
            model.state_dict()["classifier.weight"].mul_(100);
        var folder = Path.Combine(_data.Folder("models"), "model");
        HfModelFolder.Save(model, model.Config, _data.VocabPath, folder, doLowerCase: true);
        using var predictor = SentimentPredictor.Load(folder, new SentimentPredictorOptions { BatchSize = 16 });
        var texts = _data.ValidationTexts.Select(t => t.Text).ToArray();
        var alone = texts.Select(t => predictor.Predict([t])[0]).ToArray();
        var scorer = new HeldScorer(new PredictorScorer(predictor));
        await using var server = await ScoringServer.StartAsync(scorer, new ServingOptions { Port = 0, MaxBatch = 16 });
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        var first = Post(http, server, texts[0]);
        await scorer.Entered.WaitAsync(TimeSpan.FromMinutes(2));
        var rest = texts.Skip(1).Select(t => Post(http, server, t)).ToArray();
        using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (server.Batcher.QueuedRequests < rest.Length)
                await Task.Delay(10, patience.Token);
        }
        scorer.Release.Set();
        var answers = await Task.WhenAll([first, .. rest]);

        // 39 queued texts in padded, length-sorted batches of at most 16, after the held one.
        Assert.Equal([1, 16, 16, 7], scorer.BatchSizes);
        Assert.True(texts.Select(t => t.Split(' ').Length).Distinct().Count() > 10, "the texts differ in length, so batches are padded");
        // Texts' own probabilities lie further apart than the tolerance, so an answer given to the wrong request would fail.
        Assert.True(alone.Select(p => Math.Round(p.Probabilities[1] / (2 * Fp32Rounding))).Distinct().Count() > 30,
            $"the texts' probabilities are distinct: {string.Join(", ", alone.Select(p => p.Probabilities[1]))}");
        for (var i = 0; i < texts.Length; i++)
        {
            var prediction = answers[i].GetProperty("predictions")[0];
            Assert.Equal(alone[i].Label, prediction.GetProperty("label").GetString());
            // Equal to within fp32 rounding, not bit for bit: padding changes the matmul and softmax shapes, so libtorch's
            // CPU kernels block the fp32 reductions differently (measured: logits a few ulps apart, probabilities ~1e-9).
            Assert.Equal(alone[i].Score, prediction.GetProperty("score").GetDouble(), Fp32Rounding);
            Assert.Equal(alone[i].Probabilities[0], prediction.GetProperty("probabilities").GetProperty("NEGATIVE").GetDouble(), Fp32Rounding);
            Assert.Equal(alone[i].Probabilities[1], prediction.GetProperty("probabilities").GetProperty("POSITIVE").GetDouble(), Fp32Rounding);
        }
    }

    private static async Task<JsonElement> Post(HttpClient http, ScoringServer server, string text)
    {
        var body = JsonSerializer.Serialize(new { inputs = new[] { text } });
        using var response = await http.PostAsync(new Uri(server.Address, "invocations"),
            new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
