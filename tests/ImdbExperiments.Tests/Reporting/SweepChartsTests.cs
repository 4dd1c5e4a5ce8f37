using System.Text.RegularExpressions;
using ImdbExperiments.Reporting;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Tests.Reporting;

public sealed partial class SweepChartsTests
{
    private static SweepTrialPoint Trial(int order, string lr, string batch, string scheduler, double f1, bool completed = true, bool best = false) => new(
        $"trial-{order:000}", order,
        new Dictionary<string, string> { ["training.learning_rate"] = lr, ["training.batch_size"] = batch, ["training.lr_scheduler"] = scheduler },
        f1, completed, !completed, best, "#1f77b4");

    private static readonly SweepTrialPoint[] Trials =
    [
        Trial(0, "1E-05", "16", "\"linear\"", 0.80),
        Trial(1, "1E-04", "16", "\"cosine\"", 0.95, completed: false),
        Trial(2, "1E-03", "16", "\"linear\"", 0.85, best: true),
        Trial(3, "1E-04", "16", "\"cosine\"", 0.83),
    ];

    private static readonly string[] Keys = ["training.batch_size", "training.learning_rate", "training.lr_scheduler"];

    [Fact]
    public void ParallelCoordinates_HasOnePolylinePerTrial_AndAnAxisOnlyForTheMetricAndTheKeysThatDiffer()
    {
        var svg = SweepCharts.ParallelCoordinates(Trials, Keys, "validation/f1", SweepGoal.Maximize, null)!;

        Assert.StartsWith("<svg class=\"chart\"", svg);
        Assert.Equal(4, PolylinePattern().Count(svg));
        // batch_size is 16 in every trial: no axis for it.
        Assert.Equal(
            ["validation/f1 linear", "training.learning_rate log", "training.lr_scheduler categorical"],
            AxisPattern().Matches(svg).Select(m => m.Groups[1].Value + " " + m.Groups[2].Value));
        Assert.Single(Regex.Matches(svg, "<polyline class=\"trial best\""));
        Assert.Single(Regex.Matches(svg, "<polyline class=\"trial pruned\"[^>]*stroke-dasharray"));
        Assert.Contains("<title>trial-001 (pruned): validation/f1 = 0.95, training.learning_rate = 1E-04, training.lr_scheduler = &quot;cosine&quot;</title>", svg);
        Assert.Contains(">(higher is better)</text>", svg);
        Assert.Contains(">(log)</text>", svg);
        Assert.Contains(">1E-4</text>", svg); // a round tick on the log axis
    }

    [Fact]
    public void ParallelCoordinates_PutsLogValuesByDecade_AndCategoriesOnTicks()
    {
        var svg = SweepCharts.ParallelCoordinates(Trials, Keys, "validation/f1", SweepGoal.Maximize, null)!;
        var lines = PolylinePattern().Matches(svg).ToDictionary(m => m.Groups[2].Value[..9], m => m.Groups[1].Value.Split(' ').Select(p => p.Split(',')).ToList());

        // Axes at x = 110, 550, 990, from y = 360 (low end) to 66 (high end): 1E-05, 1E-04, 1E-03 at 360, 213, 66.
        Assert.Equal(["550", "360"], lines["trial-000"][1]);
        Assert.Equal(["550", "213"], lines["trial-001"][1]);
        Assert.Equal(["550", "66"], lines["trial-002"][1]);
        // "cosine" < "linear": the first and the last tick of the categorical axis.
        Assert.Equal(["990", "66"], lines["trial-000"][2]);
        Assert.Equal(["990", "360"], lines["trial-001"][2]);
        // The metric axis spans 0.80 to 0.95: 0.85 is a third of the way up.
        Assert.Equal(["110", "262"], lines["trial-002"][0]);
    }

    [Fact]
    public void ADeclaredChoiceOfNumbers_IsACategoricalAxis_AndNoDifferingKeyMeansNoChart()
    {
        var declared = new Dictionary<string, ParameterScale> { ["training.learning_rate"] = ParameterScale.Categorical };

        var svg = SweepCharts.ParallelCoordinates(Trials, Keys, "validation/f1", SweepGoal.Maximize, declared)!;

        Assert.Contains("data-key=\"training.learning_rate\" data-scale=\"categorical\"", svg);
        Assert.Null(SweepCharts.ParallelCoordinates(Trials, ["training.batch_size"], "validation/f1", SweepGoal.Maximize, null));
        Assert.Null(SweepCharts.ParallelCoordinates([], Keys, "validation/f1", SweepGoal.Maximize, null));
    }

    [Fact]
    public void BestSoFar_StepsThroughTheCompletedTrialsOnly()
    {
        var svg = SweepCharts.BestSoFar(Trials, "validation/f1", SweepGoal.Maximize)!;

        var steps = Regex.Match(svg, "<polyline class=\"best-so-far\"[^>]* points=\"([^\"]*)\"").Groups[1].Value;
        // y spans 0.80..0.95 over pixels 264.2..15.8: 0.80 -> 264.2, 0.85 -> 186.7; the pruned 0.95 is never the best so far.
        Assert.Equal(["264.2", "264.2", "186.7", "186.7"], steps.Split(' ').Select(p => p.Split(',')[1]));
        Assert.Equal(4, Regex.Count(svg, "<g class=\"point"));
        Assert.Single(Regex.Matches(svg, "<g class=\"point pruned\"><title>[^<]*</title><circle [^>]*fill=\"#ffffff\""));
        // Minimizing, the first trial's 0.80 stays the best throughout.
        var minimize = SweepCharts.BestSoFar(Trials, "validation/f1", SweepGoal.Minimize)!;
        Assert.All(Regex.Match(minimize, "class=\"best-so-far\"[^>]* points=\"([^\"]*)\"").Groups[1].Value.Split(' '), p => Assert.EndsWith(",264.2", p));
    }

    [Fact]
    public void Scatter_HasAPointPerTrial_OnALogAxisForLearningRates()
    {
        var svg = SweepCharts.MetricAgainstParameter(Trials, "training.learning_rate", "validation/f1", null)!;

        Assert.Equal(4, Regex.Count(svg, "<g class=\"point"));
        Assert.Contains(">training.learning_rate (log scale)</text>", svg);
        Assert.Single(Regex.Matches(svg, "r=\"10\"")); // the best trial's ring
        Assert.Null(SweepCharts.MetricAgainstParameter(Trials, "model.dropout", "validation/f1", null));
    }

    [Fact]
    public void NumericTicks_AreRoundValues_OnLinearAndLogAxes()
    {
        Assert.Equal(["0.88", "0.89", "0.9", "0.91", "0.92"], SvgAxis.Numeric("validation/f1", [0.874, 0.922]).Ticks().Select(t => t.Label));
        Assert.Equal(["0.1", "0.15", "0.2", "0.25"], SvgAxis.Numeric("training.weight_decay", [0.069, 0.298]).Ticks().Select(t => t.Label));
        Assert.Equal(["1E-5", "2E-5", "5E-5", "1E-4"], SvgAxis.Numeric("training.learning_rate", [8e-6, 1.2e-4], ParameterScale.Log).Ticks().Select(t => t.Label));
        Assert.Equal([0.5], SvgAxis.Numeric("seed", [42, 42]).Ticks().Select(t => t.Position));
    }

    [GeneratedRegex("<polyline class=\"trial[^\"]*\"[^>]* points=\"([^\"]*)\"><title>([^<]*)</title>")]
    private static partial Regex PolylinePattern();

    [GeneratedRegex("<g class=\"axis\" data-key=\"([^\"]*)\" data-scale=\"([^\"]*)\">")]
    private static partial Regex AxisPattern();
}
