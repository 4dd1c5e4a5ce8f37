using ImdbExperiments.Caching;
using ImdbExperiments.Specs;
using ImdbExperiments.Stages;
using ImdbExperiments.Tests.Support;

namespace ImdbExperiments.Tests.Stages;

/// <summary>A project folder with one spec and an artifacts folder, and a way to run its pipeline in-process.</summary>
sealed class PipelineFixture : IDisposable
{
    public const string SyntheticSpec = """
        name: tiny
        seed: 7
        data:
          source: synthetic
          synthetic:
            reviews_per_label: 40
        model:
          init: random
        """;

    readonly TempFolder folder = new();

    public string Root => folder.Path;
    public string Artifacts => folder.Combine("artifacts");
    public Dictionary<string, string?> Environment { get; } = new();

    public string WriteSpec(string text, string name = "experiment.yaml")
    {
        var path = folder.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    public (StageOutput Output, string Log) Run(string stage, string specPath, params string[] force) =>
        Run(stage, specPath, null, CancellationToken.None, force);

    public (StageOutput Output, string Log) Run(string stage, string specPath, ITrainingObserver? observer, CancellationToken cancellationToken, params string[] force)
    {
        var log = new StringWriter();
        var context = new PipelineContext
        {
            TrainingObserver = observer,
            Spec = SpecLoader.Load(specPath, [], Root),
            Cache = new StageCache(Path.Combine(Artifacts, "cache"), ToolVersions.Current()),
            ArtifactsDirectory = Artifacts,
            Force = force.ToHashSet(),
            Log = log,
            Environment = name => Environment.GetValueOrDefault(name),
        };
        var output = new Pipeline(PipelineStages.Create(), context).RunAsync(stage, cancellationToken).GetAwaiter().GetResult();
        return (output, log.ToString());
    }

    /// <summary>Copies a model stage's Hugging Face folder to <paramref name="name"/> in the project, as a user's local model.</summary>
    public string CopyModelFolder(StageOutput model, string name)
    {
        var local = Path.Combine(Root, name);
        Directory.CreateDirectory(local);
        foreach (var file in Directory.GetFiles(model.PathOf(ModelStage.ModelFolder)))
            File.Copy(file, Path.Combine(local, Path.GetFileName(file)));
        return local;
    }

    /// <summary>Stage folders published under the cache (ignoring locks and temporaries).</summary>
    public IReadOnlyList<string> Published(string stage)
    {
        var directory = Path.Combine(Artifacts, "cache", stage);
        return Directory.Exists(directory)
            ? Directory.GetDirectories(directory).Where(d => !Path.GetFileName(d).StartsWith('.')).ToArray()
            : [];
    }

    public void Dispose() => folder.Dispose();
}
