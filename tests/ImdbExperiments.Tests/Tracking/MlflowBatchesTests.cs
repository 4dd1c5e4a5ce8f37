using System.Text;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Tests.Tracking;

// Limits as mlflow/utils/validation.py states them: MAX_METRICS_PER_BATCH = 1000, MAX_PARAMS_TAGS_PER_BATCH = 100,
// MAX_ENTITIES_PER_BATCH = 1000, MAX_BATCH_LOG_REQUEST_SIZE = int(1e6).
public sealed class MlflowBatchesTests
{
    private static List<Metric> Metrics(int count) =>
        Enumerable.Range(0, count).Select(i => new Metric($"m{i % 7}", i, 1_700_000_000_000 + i, i)).ToList();

    private static List<Param> Params(int count, int valueLength = 1) =>
        Enumerable.Range(0, count).Select(i => new Param($"p{i}", new string('x', valueLength))).ToList();

    private static List<RunTag> Tags(int count, int valueLength = 1) =>
        Enumerable.Range(0, count).Select(i => new RunTag($"t{i}", new string('é', valueLength))).ToList();

    [Fact]
    public void Chunk_KeepsEveryRequestWithinMlflowsCountLimitsAndLosesNothing()
    {
        var chunks = MlflowBatches.Chunk(Metrics(2500), Params(250), Tags(230));

        Assert.All(chunks, chunk =>
        {
            Assert.InRange(chunk.Metrics.Count, 0, 1000);
            Assert.InRange(chunk.Parameters.Count, 0, 100);
            Assert.InRange(chunk.Tags.Count, 0, 100);
            Assert.InRange(chunk.Count, 1, 1000);
        });
        Assert.Equal(Metrics(2500), chunks.SelectMany(chunk => chunk.Metrics));
        Assert.Equal(Params(250), chunks.SelectMany(chunk => chunk.Parameters));
        Assert.Equal(Tags(230), chunks.SelectMany(chunk => chunk.Tags));
    }

    [Fact]
    public void Chunk_SplitsLargeValuesBeforeTheRequestByteLimit()
    {
        // 100 params of 6000 bytes and 100 tags of 10000 UTF-8 bytes: 1.6 MB that fits MLflow's counts in one request.
        var parameters = Params(100, 6000);
        var tags = Tags(100, 5000);

        var chunks = MlflowBatches.Chunk([], parameters, tags);

        Assert.True(chunks.Count >= 2);
        Assert.All(chunks, chunk =>
        {
            var bytes = chunk.Parameters.Sum(p => Encoding.UTF8.GetByteCount(p.Key + p.Value)) + chunk.Tags.Sum(t => Encoding.UTF8.GetByteCount(t.Key + t.Value));
            Assert.True(bytes <= MlflowBatches.ChunkByteBudget, $"a chunk holds {bytes} bytes of keys and values");
        });
        Assert.Equal(200, chunks.Sum(chunk => chunk.Count));
    }

    [Fact]
    public async Task LogAsync_IsolatesTheOneEntityTheServerRefusesAndSendsTheRest()
    {
        var sent = new List<MlflowBatches.LogBatchChunk>();
        Task Send(MlflowBatches.LogBatchChunk chunk, CancellationToken token)
        {
            if (chunk.Parameters.Any(p => p.Key == "p3"))
                throw new TrackingException("Changing param values is not allowed. Param with key='p3'", "INVALID_PARAMETER_VALUE", 400);
            sent.Add(chunk);
            return Task.CompletedTask;
        }

        var rejected = await MlflowBatches.LogAsync(Metrics(10), Params(8), Tags(3), Send, CancellationToken.None);

        var refused = Assert.Single(rejected);
        Assert.Equal(("param", "p3"), (refused.Kind, refused.Key));
        Assert.Equal(20, sent.Sum(chunk => chunk.Count));
        Assert.DoesNotContain(sent.SelectMany(chunk => chunk.Parameters), p => p.Key == "p3");
    }

    [Fact]
    public async Task LogAsync_ATransientFailureIsNotSplitButThrown()
    {
        var calls = 0;
        Task Send(MlflowBatches.LogBatchChunk chunk, CancellationToken token)
        {
            calls++;
            throw new TrackingException("server down", "INTERNAL_ERROR", 503, isTransient: true);
        }

        await Assert.ThrowsAsync<TrackingException>(() => MlflowBatches.LogAsync(Metrics(10), [], [], Send, CancellationToken.None));
        Assert.Equal(1, calls);
    }
}
