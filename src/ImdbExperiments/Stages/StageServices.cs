
namespace ImdbExperiments.Stages;

/// <summary>What a typed stage's build may use besides its inputs record and upstream outputs: where to report, the environment, and the spec file's name for messages; never the spec's values.</summary>
public sealed class StageServices(PipelineContext context)
{
    /// <summary>The spec file, to name in error messages.</summary>
    public string SpecFile => context.Spec.SourcePath;

    public TextWriter Log => context.Log;
    public IProgressDisplay Progress => context.Progress;
    public ITrainingObserver? TrainingObserver => context.TrainingObserver;
    public Func<string, string?> Environment => context.Environment;
    public string ArtifactsDirectory => context.ArtifactsDirectory;
    public string DownloadsDirectory => context.DownloadsDirectory;
}
