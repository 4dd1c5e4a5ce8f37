using System.Text.RegularExpressions;
using ImdbExperiments.Reporting;
using ImdbExperiments.Tests.Support;
using ImdbExperiments.Tracking;
using SkiaSharp;

namespace ImdbExperiments.Tests.Reporting;

[Collection(TrackedSweepCollection.Name)]
public sealed partial class HtmlReportTests(TrackedSweepStore store)
{
    private IReadOnlyList<RunRecord> Runs => TrackedRunReader.ReadFileStore(store.MlrunsFolder, TrackedSweep.Experiment);

    [Fact]
    public void Report_IsOneSelfContainedFile_WhoseImagesArePngs_AndWhoseSweepChartsAreInlineSvg()
    {
        var html = HtmlReport.Render(Runs, title: "lr sweep");

        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (var forbidden in new[] { "http://", "https://", "<script", "<link", "@import", "url(", "<iframe", "<object" })
        {
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        }

        var sources = Source().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(5, sources.Count); // loss, 4 validation metrics
        // Parallel coordinates, best so far, one scatter per swept parameter; no xmlns link needed inline.
        Assert.Equal(4, Regex.Count(html, "<svg class=\"chart\""));
        foreach (var source in sources)
        {
            Assert.StartsWith("data:image/png;base64,", source);
            var bytes = Convert.FromBase64String(source["data:image/png;base64,".Length..]);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            using var bitmap = SKBitmap.Decode(bytes);
            Assert.NotNull(bitmap);
            Assert.InRange(bitmap.Width, 500, 1200);
            Assert.InRange(bitmap.Height, 300, 450);
        }
    }

    [Fact]
    public void Report_ShowsEveryTrial_TheBest_TheSweepAndTheConfusionMatrices()
    {
        var html = HtmlReport.Render(Runs);

        foreach (var trial in store.Summary.Trials)
        {
            Assert.Contains($"<td class=\"name\">{Swatch}{trial.Trial.Name}", SwatchPattern().Replace(html, Swatch));
        }

        Assert.Contains("trial-001 <span class=\"badge\">best</span>", html);
        Assert.DoesNotContain(">lr-sweep<", html); // the parent run trains nothing and is not a row
        Assert.Contains("<code>training.batch_size</code>, <code>training.learning_rate</code>, ranked by <code>validation/f1</code>", html);
        Assert.Contains("<figcaption>training.learning_rate</figcaption>", html);
        Assert.Contains("<title>validation/f1 against training.learning_rate, one point per trial</title>", html);
        // Five finished trials logged test/tn|fp|fn|tp; the failed one did not.
        Assert.Equal(5, Regex.Count(html, "<div class=\"cm\">"));
        var best = store.Summary.Best!.Result.Metrics;
        Assert.Contains($">{best["test/tp"]:#,0}<small>", html);
        Assert.Contains($">{best["test/tn"]:#,0}<small>", html);
    }

    [Fact]
    public void Report_GivenASweepSummary_NeedsNoParentRun()
    {
        var trialsOnly = Runs.Where(r => !r.IsSweepParent).ToList();

        var withSummary = HtmlReport.Render(trialsOnly, store.Summary);
        var without = HtmlReport.Render(trialsOnly);

        Assert.Contains("against the swept parameters", withSummary);
        Assert.Equal(4, Regex.Count(withSummary, "<svg class=\"chart\""));
        Assert.DoesNotContain("against the swept parameters", without);
        Assert.DoesNotContain("<svg", without);
        Assert.Equal(5, Source().Matches(without).Count);
    }

    [Fact]
    public void Report_OfNoRuns_SaysSo()
    {
        var html = HtmlReport.Render([]);

        Assert.Contains("No runs.", html);
        Assert.Contains("No run logged <code>train/loss</code>", html);
        Assert.Empty(Source().Matches(html));
    }

    [Fact]
    public void Write_ReplacesTheReportWhole_LeavingNothingElseBehind()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("reports", "report.html");

        HtmlReport.Write(path, []);
        HtmlReport.Write(path, Runs, title: "second <version>");

        Assert.Equal([path], Directory.GetFiles(temp.Combine("reports")));
        var html = File.ReadAllText(path);
        Assert.Contains("<h1>second &lt;version&gt;</h1>", html);
        Assert.EndsWith("</html>\n", html);
    }

    [Fact]
    public void Report_ExplainsTheSweep_Importances_ParallelCoordinates_BestSoFar()
    {
        var html = HtmlReport.Render(Runs);

        // Importances: both swept keys, with the estimator named and how it differs from Optuna's fANOVA.
        Assert.Equal(2, Regex.Count(html, "<tr><td><code>training\\.(batch_size|learning_rate)</code></td><td class=\"bar\">"));
        Assert.Contains("Estimator: " + ImdbExperiments.Sweeps.ParameterImportance.EstimatorName + ", over 5 completed trials.", html);
        Assert.Contains("fANOVA", html);
        // The failed trial has no point; the five others one polyline each, both keys differ, the metric first.
        var parallel = Regex.Match(html, "<h2>Parallel coordinates</h2>.*?</svg>", RegexOptions.Singleline).Value;
        Assert.Equal(5, Regex.Count(parallel, "<polyline class=\"trial"));
        Assert.Equal(["validation/f1", "training.batch_size", "training.learning_rate"], Regex.Matches(parallel, "<g class=\"axis\" data-key=\"([^\"]*)\"").Select(m => m.Groups[1].Value));
        Assert.Contains("<title>trial-001 (best): validation/f1", parallel);
        Assert.Contains("<polyline class=\"best-so-far\"", html);
    }

    [Fact]
    public void Report_EscapesEveryStringFromTheRuns()
    {
        const string hostile = "<script>alert(1)</script>";
        var runs = Runs.Select(r => r.IsSweepParent ? r : r with
        {
            Name = r.Name == "trial-001" ? hostile : r.Name,
            Params = r.Params.ToDictionary(p => p.Key, p => p.Key == "training.batch_size" ? "\"><img src=x onerror=alert(2)>" + p.Value : p.Value),
        }).ToList();

        var html = HtmlReport.Render(runs, title: "<b>title</b>", groupBy: "training.batch_size");

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<b>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; <span class=\"badge\">best</span>", html);
        Assert.Contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; (best): validation/f1", html);
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;16", html);
    }

    [Fact]
    public void Report_OfTheSameRuns_IsTheSameBytes_InWhateverOrderTheyWereRead()
    {
        var runs = Runs;

        var first = HtmlReport.Render(runs, title: "lr sweep", groupBy: "training.batch_size");
        var reversed = HtmlReport.Render([.. runs.Reverse()], title: "lr sweep", groupBy: "training.batch_size");

        Assert.Equal(first, reversed);
        Assert.DoesNotContain("generated", first);
        Assert.Contains("latest run started ", first);
    }

    [Fact]
    public void Report_GroupedByAKey_ShowsEachGroupsMeanAndStd()
    {
        var html = HtmlReport.Render(Runs, groupBy: "training.batch_size");

        var section = Regex.Match(html, "<h2>Runs grouped by <code>training.batch_size</code></h2>.*?</section>", RegexOptions.Singleline).Value;
        Assert.Equal(2, Regex.Count(section, "<tr><td>"));
        Assert.Contains(" ± ", section);
        Assert.Contains("sample standard deviation (n − 1)", section);
        Assert.Throws<ArgumentException>(() => HtmlReport.Render(Runs, groupBy: "no.such_key"));
    }

    [Theory]
    [InlineData("training.learning_rate", new[] { 1e-5, 3e-5 }, true)]
    [InlineData("training.batch_size", new[] { 16.0, 32.0 }, false)]
    [InlineData("training.max_steps", new[] { 10.0, 1000.0 }, true)]
    [InlineData("training.weight_decay", new[] { 0.0, 0.1 }, false)]
    public void LogScale_IsUsedForLearningRatesAndWidePositiveRanges(string parameter, double[] values, bool log)
    {
        Assert.Equal(log, ReportCharts.UseLogScale(parameter, values));
    }

    private const string Swatch = "<swatch>";

    [GeneratedRegex("src=\"([^\"]*)\"")]
    private static partial Regex Source();

    [GeneratedRegex("<span class=\"swatch\" style=\"[^\"]*\"></span>")]
    private static partial Regex SwatchPattern();
}
