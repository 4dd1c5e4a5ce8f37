using ImdbExperiments.Sweeps;
using ImdbExperiments.Tracking;

namespace ImdbExperiments.Reporting;

/// <summary>What a tracked run is in a sweep, read from its sweep tags (Tracking reads runs; it knows nothing of sweeps).</summary>
public static class RunRecordSweeps
{
    extension(RunRecord run)
    {
        /// <summary>The sweep trial's name (sweep/trial tag), or null for a run that is not a trial.</summary>
        public string? SweepTrial => run.Tags.GetValueOrDefault(SweepTags.Trial);

        /// <summary>True for a sweep's parent run: it describes the sweep and trains nothing itself.</summary>
        public bool IsSweepParent => run.Tags.ContainsKey(SweepTags.Metric) && run.Tags.ContainsKey(SweepTags.Method);

        /// <summary>True for a trial the sweep's pruner stopped (sweep/pruned_at tag; MLflow status KILLED).</summary>
        public bool IsPruned => run.Tags.ContainsKey(SweepTags.PrunedAt);

        /// <summary>The trial's position in the sweep's plan (sweep/trial_index tag), or null.</summary>
        public int? SweepTrialIndex => int.TryParse(run.Tags.GetValueOrDefault(SweepTags.TrialIndex), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : null;
    }
}
