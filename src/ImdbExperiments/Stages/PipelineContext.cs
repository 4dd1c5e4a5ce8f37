using ImdbExperiments.Caching;
using ImdbExperiments.Specs;

namespace ImdbExperiments.Stages;

/// <summary>Everything a stage may read besides its upstream outputs: the resolved spec, the cache, the environment, where to report.</summary>
public sealed record PipelineContext
{
    public required ResolvedSpec Spec { get; init; }
    public required StageCache Cache { get; init; }

    /// <summary>The artifacts folder (cache, runs, downloads); default <c>./artifacts</c>.</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>Stages to rebuild even when their output is cached (<c>--force=&lt;stage&gt;</c>).</summary>
    public IReadOnlySet<string> Force { get; init; } = new HashSet<string>();

    /// <summary>How stage-cache and run-folder locks held by another process are waited for (<c>--no-wait</c>, <c>--lock-timeout</c>).</summary>
    public LockOptions Locks { get; init; } = LockOptions.Default;

    public TextWriter Log { get; init; } = TextWriter.Null;
    public IProgressDisplay Progress { get; init; } = NoProgressDisplay.Instance;

    /// <summary>Told about training steps and evaluations as they happen (progress bar, tracking).</summary>
    public ITrainingObserver? TrainingObserver { get; init; }

    /// <summary>How long the end of a run waits for the tracking server to take what is left in the journal (the rest waits for Sync).</summary>
    public TimeSpan TrackingFlushTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Environment lookup (a seam for tests): IMDB_ARCHIVE and friends.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Where interrupted downloads wait to be resumed: outside any stage's temporary folder.</summary>
    public string DownloadsDirectory => Path.Combine(ArtifactsDirectory, "downloads");
}
