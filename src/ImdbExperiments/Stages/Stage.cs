using System.Text.Json.Nodes;
using ImdbExperiments.Caching;

namespace ImdbExperiments.Stages;

/// <summary>
/// One step of the pipeline: a pure function of the spec parts it reads (<see cref="Inputs"/>) and
/// the outputs of the stages it reads from (<see cref="Upstream"/>), cached under the key of both.
/// </summary>
public abstract class Stage
{
    public abstract string Name { get; }

    /// <summary>Bumped whenever the stage's output format or meaning changes, so old outputs are not reused.</summary>
    public abstract int FormatVersion { get; }

    public virtual IReadOnlyList<string> Upstream => [];

    /// <summary>The stages this one reads from for this spec (most stages: always <see cref="Upstream"/>).</summary>
    public virtual IReadOnlyList<string> UpstreamOf(PipelineContext context) => Upstream;

    /// <summary>The parts of the resolved spec (and of the environment) that determine the output.</summary>
    public abstract JsonNode? Inputs(PipelineContext context);

    /// <summary>The spec keys (dotted; a section stands for every key under it) whose values reach this stage's key for this spec.</summary>
    public abstract IReadOnlyList<string> SpecKeys(PipelineContext context);

    /// <summary>I/O that <see cref="Inputs"/> needs (a Hub revision lookup), run with the run's Ctrl-C token before Inputs is read.</summary>
    public virtual Task PrepareInputsAsync(PipelineContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task BuildAsync(PipelineContext context, StageBuildContext output, IReadOnlyDictionary<string, StageOutput> upstream, CancellationToken cancellationToken);

    /// <summary>A few words for the status line: counts, hashes.</summary>
    public virtual string Describe(StageOutput output) => "";

    /// <summary>Named output paths for <c>--json</c>.</summary>
    public virtual IReadOnlyDictionary<string, string> OutputPaths(StageOutput output) =>
        output.Manifest.Files.ToDictionary(f => f.Path, f => output.PathOf(f.Path));
}
