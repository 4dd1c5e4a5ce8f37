using System.Globalization;
using ImdbExperiments.Data;
using ImdbExperiments.Sweeps;

namespace ImdbExperiments.Tests.Sweeps;

public sealed class ParameterImportanceTests
{
    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void TheKeyThatDrivesTheMetric_GetsMostOfTheImportance()
    {
        var random = new DeterministicRandom(11);
        var trials = Enumerable.Range(0, 40).Select(_ =>
        {
            var lr = Math.Pow(10, -6 + 4 * random.NextDouble());
            var dropout = random.NextDouble() * 0.5;
            var scheduler = random.NextInt(2) == 0 ? "\"linear\"" : "\"cosine\"";
            var f1 = 0.9 - 0.05 * Math.Pow(Math.Log10(lr) + 4, 2) + 0.002 * (random.NextDouble() - 0.5);
            return ((IReadOnlyDictionary<string, string>)new Dictionary<string, string>
            {
                ["training.learning_rate"] = Text(lr), ["model.dropout"] = Text(dropout), ["training.lr_scheduler"] = scheduler,
            }, f1);
        }).ToList();

        var importances = ParameterImportance.Compute(trials);

        Assert.Equal("training.learning_rate", importances[0].Key);
        Assert.True(importances[0].Value > 0.8, string.Join(", ", importances));
        Assert.Equal(1.0, importances.Sum(kv => kv.Value), 9);
    }

    [Fact]
    public void ACategoricalKeyThatDecides_IsFound()
    {
        var trials = Enumerable.Range(0, 12).Select(i => ((IReadOnlyDictionary<string, string>)new Dictionary<string, string>
        {
            ["a"] = i % 2 == 0 ? "\"x\"" : "\"y\"", ["b"] = Text(i),
        }, i % 2 == 0 ? 0.9 + 0.001 * i : 0.5 + 0.001 * i)).ToList();

        var importances = ParameterImportance.Compute(trials).ToDictionary();

        Assert.True(importances["a"] > 0.9, string.Join(", ", importances));
    }

    [Fact]
    public void AConstantMetric_OrTooFewTrials_ExplainNothing()
    {
        var same = Enumerable.Range(0, 6).Select(i => ((IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["a"] = Text(i) }, 0.5)).ToList();

        Assert.All(ParameterImportance.Compute(same), kv => Assert.Equal(0, kv.Value));
        Assert.Empty(ParameterImportance.Compute(same.Take(2).ToList()));
    }
}
