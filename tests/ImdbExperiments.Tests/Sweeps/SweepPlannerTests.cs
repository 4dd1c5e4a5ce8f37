using System.Globalization;
using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tests.Specs;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class SweepPlannerTests : IDisposable
{
    private readonly SpecFolder folder = new();

    public void Dispose() => folder.Dispose();

    private ResolvedSpec Sweep(string sweep, string top = "")
    {
        folder.Write("sweep.yaml", SpecFolder.Minimal + top + "sweep:\n" + sweep);
        return folder.Load("sweep.yaml");
    }

    [Fact]
    public void Grid_IsTheCartesianProduct_LastKeyFastest()
    {
        var sweep = Sweep("""
              parameters:
                training.learning_rate: [1e-5, 3e-5]
                training.batch_size: [8, 16]
            """);

        var trials = SweepPlanner.Plan(sweep);

        Assert.Equal(["trial-000", "trial-001", "trial-002", "trial-003"], trials.Select(t => t.Name));
        Assert.Equal([0, 1, 2, 3], trials.Select(t => t.Index));
        Assert.Equal([(8, 1e-5), (8, 3e-5), (16, 1e-5), (16, 3e-5)],
            trials.Select(t => (t.Spec.Spec.Training.BatchSize, t.Spec.Spec.Training.LearningRate)));
        Assert.Equal(new Dictionary<string, string> { ["training.batch_size"] = "8", ["training.learning_rate"] = "3E-05" }, trials[1].Overrides);
        Assert.All(trials, t => Assert.Null(t.Spec.Spec.Sweep));
        Assert.Equal(4, trials.Select(t => t.SpecHash).Distinct().Count());
    }

    [Fact]
    public void Trial_IsTheSameExperimentAsTheSweepSpecWithItsOverridesAndNoSweep()
    {
        var sweep = Sweep("  parameters:\n    tokenizer.truncation: [head, head+tail]\n    training.learning_rate: [2e-5]\n");

        foreach (var trial in SweepPlanner.Plan(sweep))
        {
            string[] overrides = ["sweep=null", .. trial.Overrides.Select(kv => $"{kv.Key}={kv.Value}")];
            Assert.Equal(folder.Load("sweep.yaml", overrides).Hash, trial.SpecHash);
        }
    }

    [Fact]
    public void List_GivesTheExplicitTrialsInOrder()
    {
        var sweep = Sweep("""
              method: list
              list:
                - {training.learning_rate: 1e-5, training.batch_size: 8}
                - {tokenizer.max_length: 128}
                - {}
            """);

        var trials = SweepPlanner.Plan(sweep);

        Assert.Equal(3, trials.Count);
        Assert.Equal((8, 1e-5), (trials[0].Spec.Spec.Training.BatchSize, trials[0].Spec.Spec.Training.LearningRate));
        Assert.Equal(128, trials[1].Spec.Spec.Tokenizer.MaxLength);
        Assert.Empty(trials[2].Overrides);
        Assert.Equal(new TrainingSpec().BatchSize, trials[2].Spec.Spec.Training.BatchSize);
    }

    private const string RandomSweep = """
          method: random
          trials: 40
          parameters:
            training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}
            training.batch_size: {distribution: uniform, min: 4, max: 10}
            training.warmup_ratio: {distribution: uniform, min: 0, max: 0.2}
            tokenizer.truncation: {distribution: choice, values: [head, tail, head+tail]}
        """;

    [Fact]
    public void Random_IsIdenticalForTheSameSeed_AndDiffersForAnother()
    {
        var first = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 7\n"));
        var again = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 7\n"));
        var other = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 8\n"));

        Assert.Equal(40, first.Count);
        Assert.Equal(first.Select(t => t.Overrides.ToList()), again.Select(t => t.Overrides.ToList()));
        Assert.Equal(first.Select(t => t.SpecHash), again.Select(t => t.SpecHash));
        Assert.NotEqual(first.Select(t => t.Overrides.ToList()), other.Select(t => t.Overrides.ToList()));
    }

    [Fact]
    public void Random_WithoutSweepSeed_IsSeededByTheSpecSeed()
    {
        var bySweepSeed = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 5\n", "seed: 9\n"));
        var bySpecSeed = SweepPlanner.Plan(Sweep(RandomSweep + "\n", "seed: 5\n"));
        var byOtherSpecSeed = SweepPlanner.Plan(Sweep(RandomSweep + "\n", "seed: 6\n"));

        Assert.Equal(bySweepSeed.Select(t => t.Overrides.ToList()), bySpecSeed.Select(t => t.Overrides.ToList()));
        Assert.NotEqual(bySpecSeed.Select(t => t.Overrides.ToList()), byOtherSpecSeed.Select(t => t.Overrides.ToList()));
    }

    [Fact]
    public void Random_IsPinned_SoAnUpgradeCannotChangeASweepSilently()
    {
        var trials = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 7\n"));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["tokenizer.truncation"] = PinnedTruncation,
                ["training.batch_size"] = PinnedBatchSize,
                ["training.learning_rate"] = PinnedLearningRate,
                ["training.warmup_ratio"] = PinnedWarmupRatio,
            },
            trials[0].Overrides);
    }

    // Computed independently of this code: xoshiro256** seeded by SplitMix64(7), Lemire's bounded integer, top-53-bit doubles.
    private const string PinnedTruncation = "\"head+tail\"";
    private const string PinnedBatchSize = "6";
    private const string PinnedLearningRate = "0.00033028";
    private const string PinnedWarmupRatio = "0.19622";

    [Fact]
    public void Random_RoundsIntegerKeys_WithinTheirBounds()
    {
        var trials = SweepPlanner.Plan(Sweep(RandomSweep + "\n  seed: 3\n"));

        var batchSizes = trials.Select(t => t.Overrides["training.batch_size"]).ToList();
        Assert.All(batchSizes, text => Assert.Matches("^[0-9]+$", text));
        Assert.All(trials, t => Assert.Equal(int.Parse(t.Overrides["training.batch_size"], CultureInfo.InvariantCulture), t.Spec.Spec.Training.BatchSize));
        Assert.All(trials, t => Assert.InRange(t.Spec.Spec.Training.BatchSize, 4, 10));
        // Rounding to the nearest integer reaches both bounds, each with half the weight of an inner value.
        Assert.Contains(4, trials.Select(t => t.Spec.Spec.Training.BatchSize));
        Assert.Contains(10, trials.Select(t => t.Spec.Spec.Training.BatchSize));
        Assert.All(trials, t => Assert.InRange(t.Spec.Spec.Training.WarmupRatio, 0, 0.2));
        Assert.All(trials, t => Assert.Contains(t.Overrides["tokenizer.truncation"], (string[])["\"head\"", "\"tail\"", "\"head+tail\""]));
    }

    [Fact]
    public void Random_LogUniform_StaysWithinItsBounds_AndSpreadsOverTheDecades()
    {
        var trials = SweepPlanner.Plan(Sweep("""
              method: random
              trials: 300
              seed: 11
              parameters:
                training.learning_rate: {distribution: log_uniform, min: 1e-6, max: 1e-3}
            """));

        var rates = trials.Select(t => t.Spec.Spec.Training.LearningRate).ToList();
        Assert.All(rates, r => Assert.InRange(r, 1e-6, 1e-3));
        // Each of the three decades gets about a third; a linear draw would put ~90% in the top decade.
        var perDecade = rates.GroupBy(r => (int)Math.Floor(Math.Log10(r))).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(new[] { -6, -5, -4 }, decade => Assert.InRange(perDecade.GetValueOrDefault(decade), 70, 130));
        Assert.All(trials, t => Assert.True(t.Overrides["training.learning_rate"].Length <= 12, t.Overrides["training.learning_rate"]));
    }

    [Fact]
    public void Plan_OfASpecWithoutSweep_SaysWhatIsMissing()
    {
        folder.Write("plain.yaml", SpecFolder.Minimal);

        var error = Assert.Throws<ArgumentException>(() => SweepPlanner.Plan(folder.Load("plain.yaml")));

        Assert.Contains("has no sweep section", error.Message);
    }
}
