using System.Globalization;

namespace ImdbExperiments.Benchmarks;

/// <summary>What <see cref="ServeBenchmark"/> loads: the model, the reviews, the connection counts, and how to start imdbx and wrk.</summary>
public sealed record ServeBenchmarkOptions
{
    public required InferenceBenchmarkOptions Inference { get; init; }
    /// <summary>Concurrent wrk connections, one measurement each.</summary>
    public IReadOnlyList<int> Connections { get; init; } = [1, 8, 64];
    /// <summary>Seconds wrk runs per connection count.</summary>
    public int Seconds { get; init; } = 20;
    /// <summary>Texts per request body.</summary>
    public int ReviewsPerRequest { get; init; } = 1;
    /// <summary>The imdbx command line that starts predict and serve: the program and the arguments before the subcommand.</summary>
    public required IReadOnlyList<string> Imdbx { get; init; }
    public string Wrk { get; init; } = "wrk";

    public void Validate()
    {
        static ArgumentException Bad(string option, object value, string allowed) =>
            new($"{option} {Convert.ToString(value, CultureInfo.InvariantCulture)} is not valid: {allowed}.");

        Inference.Validate();
        if (Connections.Count == 0 || Connections.Any(c => c is < 1 or > 10_000))
            throw Bad("--connections", string.Join(",", Connections), "give connection counts between 1 and 10000");
        if (Seconds is < 1 or > 3600) throw Bad("--seconds", Seconds, "it must be between 1 and 3600 seconds per connection count");
        if (ReviewsPerRequest is < 1 or > 1000) throw Bad("--reviews-per-request", ReviewsPerRequest, "it must be between 1 and 1000");
    }
}
