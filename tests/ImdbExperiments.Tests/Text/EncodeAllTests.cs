using ImdbExperiments.Text;

namespace ImdbExperiments.Tests.Text;

public sealed class EncodeAllTests
{
    private static string[] Texts(int count)
    {
        var random = new Random(11);
        return Enumerable.Range(0, count).Select(_ => LibraryParityTests.GenerateText(random) + " Café 日本 naïve").ToArray();
    }

    [Fact]
    public void EncodeAll_IsIdenticalForAnyThreadCount()
    {
        var encoder = TestVocabulary.Encoder(new() { MaxLength = 32, Truncation = TruncationMode.HeadPlusTail, HeadTokens = 10 });
        string[] texts = Texts(1500);
        var one = encoder.EncodeAll(texts, maxDegreeOfParallelism: 1);
        foreach (int threads in new[] { 2, 3, 8, -1 })
        {
            var many = encoder.EncodeAll(texts, maxDegreeOfParallelism: threads);
            Assert.Equal(one.Offsets, many.Offsets);
            Assert.Equal(one.Ids, many.Ids);
        }
    }

    [Fact]
    public void EncodeAll_EqualsEncodeTextByText_InInputOrder()
    {
        var encoder = TestVocabulary.Encoder(new() { MaxLength = 20 });
        string[] texts = Texts(600);
        var all = encoder.EncodeAll(texts);
        Assert.Equal(texts.Length, all.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(encoder.Encode(texts[i]), all[i].ToArray());
        }

        Assert.Equal(all.Ids.Length, all.TotalTokens);
    }

    [Fact]
    public void EncodeAll_ReportsProgressUpToTheCount()
    {
        var reported = new List<int>();
        var progress = new SynchronousProgress(reported);
        TestVocabulary.Encoder().EncodeAll(Texts(300), 2, progress);
        Assert.Equal(300, reported.Max());
    }

    [Fact]
    public void EncodeAll_StopsWhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TestVocabulary.Encoder().EncodeAll(Texts(300), cancellationToken: cancellation.Token));
    }

    [Fact]
    public void EncodeAll_OfNothing_IsEmpty()
    {
        var none = TestVocabulary.Encoder().EncodeAll([]);
        Assert.Equal(0, none.Count);
        Assert.Equal(0, none.TotalTokens);
    }

    private sealed class SynchronousProgress(List<int> reported) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reported)
            {
                reported.Add(value);
            }
        }
    }
}
