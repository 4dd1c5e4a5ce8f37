using ImdbExperiments.Specs;
using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>What the report needs to know of a sweep: from a <see cref="SweepSummary"/>, else from a parent run's sweep tags.</summary>
internal sealed record ReportSweep(string Metric, SweepGoal Goal, string? Method, IReadOnlyList<string> Parameters, string? BestTrial)
{
    public static ReportSweep? From(SweepSummary? summary, IReadOnlyList<RunRecord> runs)
    {
        if (summary is not null)
        {
            return new ReportSweep(summary.Metric, summary.Goal, null,
                [.. summary.Trials.SelectMany(t => t.Trial.Overrides.Keys).Distinct().Order(StringComparer.Ordinal)], summary.Best?.Trial.Name);
        }

        var parents = runs.Where(r => r.IsSweepParent).ToList();
        if (parents.Select(p => p.Tags[SweepTags.Metric]).Distinct().Count() != 1)
        {
            return null;
        }

        var parent = parents.OrderByDescending(p => p.StartTime).First();
        return new ReportSweep(
            parent.Tags[SweepTags.Metric],
            parent.Tags.GetValueOrDefault(SweepTags.Goal) == "minimize" ? SweepGoal.Minimize : SweepGoal.Maximize,
            parent.Tags.GetValueOrDefault(SweepTags.Method),
            [.. parents.SelectMany(p => p.Tags.GetValueOrDefault(SweepTags.Parameters, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().Order(StringComparer.Ordinal)],
            parent.Tags.GetValueOrDefault(SweepTags.BestTrial));
    }
}
