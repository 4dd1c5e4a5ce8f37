using System.Globalization;

namespace ImdbExperiments.Benchmarks;

/// <summary>What <see cref="OnnxBenchmark"/> measures: the MiniLM package's encoder at each batch size × length, fp32, on a fixed thread count.</summary>
public sealed record OnnxBenchmarkOptions
{
    public IReadOnlyList<int> Batches { get; init; } = [16, 1];
    /// <summary>Tokens per row including [CLS] and [SEP].</summary>
    public IReadOnlyList<int> Lengths { get; init; } = [256, 128];
    /// <summary>libtorch's threads and ORT's intra-op threads: the same count, so the engines get the same cores.</summary>
    public int Threads { get; init; } = 2;
    /// <summary>Interleaved rounds per shape; each round times every engine once, the order rotating from round to round.</summary>
    public int Repeats { get; init; } = 7;
    /// <summary>A timed sample repeats the forward until it lasts about this long, so a 30 ms batch is not timed alone.</summary>
    public double SampleSeconds { get; init; } = 0.5;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option, the value and what is allowed.</summary>
    public void Validate()
    {
        static ArgumentException Bad(string option, object value, string allowed) =>
            new($"{option} {Convert.ToString(value, CultureInfo.InvariantCulture)} is not valid: {allowed}.");

        if (Batches.Count == 0 || Batches.Any(b => b is < 1 or > 256)) throw Bad("--batches", string.Join(",", Batches), "give batch sizes from 1 to 256, e.g. 16,1");
        if (Lengths.Count == 0 || Lengths.Any(l => l is < 2 or > 512)) throw Bad("--lengths", string.Join(",", Lengths), "give token counts from 2 to 512 (MiniLM's positions), e.g. 256,128");
        if (Threads is < 1 or > 1024) throw Bad("--threads", Threads, "it must be a thread count from 1 to 1024");
        if (Repeats is < 1 or > 1000) throw Bad("--repeats", Repeats, "it must be from 1 to 1000 interleaved rounds");
        if (!(SampleSeconds is > 0 and <= 60)) throw Bad("--sample-seconds", SampleSeconds, "it must be more than 0 and at most 60 seconds");
    }
}
